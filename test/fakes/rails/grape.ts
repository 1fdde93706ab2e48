/**
 * The GitLab REST API's framing (Grape): its error bodies, and its declared-parameter validation with
 * the coercions and messages Grape uses, in declaration order.
 */
import { isPlainObject, rubyJson } from './json.ts'

/** What Workhorse hands back in `httpResponse`: a status and the body text. */
export interface RailsResponse {
  statusCode: number
  body: string
}

export const reply = (statusCode: number, value: unknown): RailsResponse => ({
  statusCode,
  body: rubyJson(value),
})

/** `render_api_error!` / `bad_request!` / `forbidden!` and friends: `{"message": ...}`. */
export const apiError = (statusCode: number, message: string): RailsResponse => reply(statusCode, { message })
export const badRequest = (reason?: string): RailsResponse =>
  apiError(400, reason === undefined ? '400 Bad request' : `400 Bad request - ${reason}`)
export const forbidden = (): RailsResponse => apiError(403, '403 Forbidden')
/** `not_found!` (a helper call) says "Not Found"... */
export const notFound = (): RailsResponse => apiError(404, '404 Not Found')
/** ...while an ActiveRecord::RecordNotFound escaping an endpoint says "Not found". */
export const recordNotFound = (): RailsResponse => apiError(404, '404 Not found')
/** An unexpected exception (e.g. a database error the endpoint does not rescue). */
export const internalError = (): RailsResponse => apiError(500, '500 Internal Server Error')

/** Grape's own exceptions (validation, unknown route, bad body) are rendered as `{"error": ...}`. */
export const grapeError = (statusCode: number, error: string): RailsResponse => reply(statusCode, { error })
export const routeNotFound = (): RailsResponse => grapeError(404, '404 Not Found')
export const methodNotAllowed = (): RailsResponse => grapeError(405, '405 Not Allowed')

export type ParamType = 'Integer' | 'String' | 'Boolean' | 'Hash'

export interface ParamSpec {
  name: string
  type: ParamType
  required?: boolean
  default?: unknown
}

const INVALID = Symbol('invalid')

// dry-types' Params::Bool vocabulary, which Grape uses for `type: Boolean`.
const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes'])
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no'])

function coerce(type: ParamType, value: unknown): unknown {
  if (value === null) return null
  switch (type) {
    case 'Integer':
      if (typeof value === 'number') return Number.isInteger(value) ? value : INVALID
      if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return Number.parseInt(value, 10)
      return INVALID
    case 'String':
      // Coercible::String turns scalars into text; Grape rejects a Hash or an Array for a String.
      if (typeof value === 'string') return value
      if (typeof value === 'number' || typeof value === 'boolean') return String(value)
      return INVALID
    case 'Boolean':
      if (typeof value === 'boolean') return value
      if (typeof value === 'string' && TRUE_WORDS.has(value.toLowerCase())) return true
      if (typeof value === 'string' && FALSE_WORDS.has(value.toLowerCase())) return false
      return INVALID
    case 'Hash':
      return isPlainObject(value) ? value : INVALID
  }
}

/**
 * `params do ... end` + `declared_params(include_missing: false)`: every declared parameter checked
 * (a missing required one is "<name> is missing", a value that does not coerce is "<name> is
 * invalid"), all errors joined into one 400 `{"error": "a is missing, b is invalid"}`.
 */
export function declaredParams(
  specs: ParamSpec[],
  input: Record<string, unknown>,
): { ok: true; params: Record<string, unknown> } | { ok: false; response: RailsResponse } {
  const params: Record<string, unknown> = {}
  const errors: string[] = []
  for (const spec of specs) {
    if (!Object.hasOwn(input, spec.name)) {
      if (spec.required) errors.push(`${spec.name} is missing`)
      else if (spec.default !== undefined) params[spec.name] = spec.default
      continue
    }
    const value = coerce(spec.type, input[spec.name])
    if (value === INVALID) errors.push(`${spec.name} is invalid`)
    else params[spec.name] = value
  }
  if (errors.length > 0) return { ok: false, response: grapeError(400, errors.join(', ')) }
  return { ok: true, params }
}

/** Ruby's `blank?`: nil, false, whitespace-only text, empty hashes and arrays. */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return true
  if (typeof value === 'string') return value.trim() === ''
  if (Array.isArray(value)) return value.length === 0
  if (isPlainObject(value)) return Object.keys(value).length === 0
  return false
}
