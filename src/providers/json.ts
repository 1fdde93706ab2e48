/** Small helpers of the format modules: JSON narrowing (upstream JSON is never trusted to have its documented shape) and headers. */
export type Json = Record<string, unknown>

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Later sets win, whatever the case of a name: a record with `Authorization` and `authorization`
 * would make `Headers` join both values into one header (the operator's and the key).
 */
export function mergeHeaders(...sets: (Record<string, string> | undefined)[]): Headers {
  const headers = new Headers()
  for (const set of sets) for (const [name, value] of Object.entries(set ?? {})) headers.set(name, value)
  return headers
}
