/**
 * JSON as Python's `json.dumps` writes it, which GitLab's services produce: by default `", "` and
 * `": "` separators (its SSE and NDJSON streams), compact `","` and `":"` when asked (the Agent
 * Platform hashes tool arguments that way); every character outside printable ASCII escaped as
 * `\uXXXX`; floats in Python's repr (`1e-07`, `1e+16`). Clients parse it as JSON either way;
 * byte-compatibility keeps captured GitLab output and ours interchangeable.
 */
export function pythonJson(value: unknown, compact = false): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return pythonString(value)
  if (typeof value === 'number') return pythonNumber(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value))
    return `[${value.map((item) => pythonJson(item, compact)).join(compact ? ',' : ', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    const colon = compact ? ':' : ': '
    return `{${entries.map(([k, v]) => `${pythonString(k)}${colon}${pythonJson(v, compact)}`).join(compact ? ',' : ', ')}}`
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

/**
 * Python's number text: integers as they are; floats as the shortest round-trip digits (as in JS)
 * but in scientific notation below 1e-4 and from 1e16, with a two-digit exponent. A float with a
 * zero fraction (`2.0`) is an integer by the time it is here. Not finite: `null` (valid JSON).
 */
function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) return 'null'
  const magnitude = Math.abs(value)
  if ((Number.isInteger(value) && magnitude < 1e16) || (magnitude >= 1e-4 && magnitude < 1e16) || value === 0)
    return String(value)
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string]
  return `${mantissa}e${exponent[0]}${exponent.slice(1).padStart(2, '0')}`
}
