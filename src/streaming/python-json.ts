/**
 * JSON as Python's `json.dumps` writes it by default, which GitLab's SSE and NDJSON streams use:
 * `", "` and `": "` separators and every character outside printable ASCII escaped as `\uXXXX`.
 * Clients parse it as JSON either way; byte-compatibility keeps captured GitLab streams and ours
 * interchangeable.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return pythonString(value)
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${pythonJson(v)}`).join(', ')}}`
  }
  return 'null'
}

const HAS_NON_ASCII = /[^\x20-\x7e]/
const NON_ASCII = /[^\x20-\x7e]/g

export function pythonString(text: string): string {
  const json = JSON.stringify(text)
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeUnit) : json
}

function escapeUnit(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
}
