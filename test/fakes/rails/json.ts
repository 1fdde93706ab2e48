/**
 * JSON the way Rails writes and PostgreSQL stores it, so the fake's bodies are byte-for-byte what a
 * client of the real thing has to cope with (and a client that pattern-matches JSON text breaks here
 * as it would there).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * `value.to_json` with ActiveSupport's defaults: `<`, `>`, `&`, U+2028 and U+2029 are written as
 * \u escapes (escape_html_entities_in_json). Those characters only ever occur inside JSON strings,
 * so replacing them in the serialised text is safe.
 */
export function rubyJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** A PostgreSQL error raised while storing a value (jsonb refuses some JSON that JSON.parse accepts). */
export class PgError extends Error {
  override name = 'PgError'
}

const encoder = new TextEncoder()

/** jsonb orders object keys by length in bytes, then bytewise: `{"v","id","ts","channel_values"}`. */
function jsonbKeyOrder(a: string, b: string): number {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  if (x.length !== y.length) return x.length - y.length
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

function checkText(text: string): void {
  // jsonb has no representation for U+0000: PostgreSQL rejects the whole value.
  if (text.includes('\u0000')) {
    throw new PgError(
      'PG::UntranslatableCharacter: ERROR:  unsupported Unicode escape sequence\nDETAIL:  \\u0000 cannot be converted to text.',
    )
  }
}

/**
 * The value a jsonb column gives back after storing `value`: keys reordered as jsonb orders them,
 * duplicate keys already collapsed by the JSON parser. Throws PgError for what PostgreSQL refuses.
 */
export function jsonb(value: unknown): Json {
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new PgError('PG::InvalidTextRepresentation: ERROR:  invalid input syntax for type json')
    return value
  }
  if (typeof value === 'string') {
    checkText(value)
    return value
  }
  if (Array.isArray(value)) return value.map(jsonb)
  if (isPlainObject(value)) {
    const out: Record<string, Json> = {}
    for (const key of Object.keys(value).sort(jsonbKeyOrder)) {
      checkText(key)
      out[key] = jsonb(value[key])
    }
    return out
  }
  throw new PgError(
    `PG::InvalidTextRepresentation: ERROR:  invalid input syntax for type json (${typeof value})`,
  )
}
