import type { Context } from 'hono'
import * as z from 'zod/mini'
import { ValidationError } from '../errors.ts'

/**
 * Reads and validates a JSON request body. Like GitLab's gateway, a body that is not JSON or does
 * not match the schema is a 422 `{"detail": "Validation error"}`; with request logging on
 * (`AIGW_LOGGING__ENABLE_REQUEST_LOGGING`) the detail lists the problems instead.
 */
export async function readJsonBody<T>(c: Context, schema: z.ZodMiniType<T>, detailed: boolean): Promise<T> {
  let body: unknown
  try {
    body = JSON.parse(await c.req.text())
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new ValidationError(detailed ? 'Invalid JSON in request body' : undefined)
    throw error
  }
  const result = z.safeParse(schema, body)
  if (!result.success) {
    throw new ValidationError(
      detailed
        ? result.error.issues.map((i) => `${['body', ...i.path].join('.')}: ${i.message}`).join('; ')
        : undefined,
    )
  }
  return result.data
}
