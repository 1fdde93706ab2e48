/** Response bodies shared by several routes, for the OpenAPI document. */
import * as z from 'zod/mini'

export const detailError = z.object({ detail: z.string() })
export const authError = z.object({ error: z.string() })

export const commonErrors = {
  401: {
    description: 'Authentication failed, e.g. `{"error": "Forbidden by auth provider"}`',
    schema: authError,
  },
  403: { description: 'The token lacks the unit primitive (scope) this route needs', schema: detailError },
} as const
