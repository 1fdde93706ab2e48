/**
 * Blanks out the gateway's own credentials from what an upstream sends back. Some servers echo the
 * request's `Authorization` or key header in an error (a JSON body, or an SSE error event in the
 * middle of a stream): relayed as is, that would hand the operator's provider key to the client.
 *
 * Works on bytes as they pass, so a stream is never buffered: a chunk goes out at once unless it
 * ends with the beginning of a secret (then only those last bytes wait for the next chunk, to see
 * whether the secret completes). SSE chunks end with a newline, which no secret contains, so on the
 * happy path nothing is held back and nothing is copied.
 */

const REPLACEMENT = new TextEncoder().encode('[redacted]')
/** Shorter values are not secrets worth the false positives (and `Bearer` alone is not one). */
const MIN_SECRET_CHARS = 8

interface Pattern {
  bytes: Uint8Array
  /** The pattern's rarest-looking byte and where it sits: found with the native `indexOf`, then the rest compared. */
  anchor: number
  anchorAt: number
}

/** The byte patterns of one set of secrets, compiled once: the proxy redacts the same key on every request. */
interface Compiled {
  patterns: readonly Pattern[]
  /** Every byte any pattern contains: a chunk whose last byte is not one of them holds nothing back. */
  patternBytes: Uint8Array
}

/** A few credential sets at most (one per proxy upstream); bounded all the same. */
const COMPILED = new Map<string, Compiled>()
const MAX_COMPILED = 32

export class Redactor {
  private readonly patterns: readonly Pattern[]
  private readonly patternBytes: Uint8Array
  private carry: Uint8Array | undefined

  /** `secrets` as they were sent; their JSON-escaped forms are matched too (`\/`, `\"`). */
  constructor(secrets: readonly string[]) {
    const compiled = compile(secrets)
    this.patterns = compiled.patterns
    this.patternBytes = compiled.patternBytes
  }

  get active(): boolean {
    return this.patterns.length > 0
  }

  /** The bytes of `chunk` that can go out now, secrets replaced. */
  push(chunk: Uint8Array): Uint8Array {
    const data = this.carry ? concat(this.carry, chunk) : chunk
    this.carry = undefined
    const replaced = this.replaceAll(data)
    const hold = this.heldSuffix(replaced)
    if (hold === 0) return replaced
    this.carry = replaced.slice(replaced.byteLength - hold)
    return replaced.subarray(0, replaced.byteLength - hold)
  }

  /** What was held back at the end of the stream (a secret's beginning that never completed). */
  end(): Uint8Array | undefined {
    const rest = this.carry
    this.carry = undefined
    return rest
  }

  /** A whole text (an error body), secrets replaced. */
  text(value: string): string {
    if (!this.active) return value
    return new TextDecoder().decode(this.replaceAll(new TextEncoder().encode(value)))
  }

  private replaceAll(data: Uint8Array): Uint8Array {
    const found: [number, number][] = []
    for (const { bytes, anchor, anchorAt } of this.patterns) {
      for (let i = data.indexOf(anchor, anchorAt); i !== -1; i = data.indexOf(anchor, i + 1)) {
        const start = i - anchorAt
        if (start + bytes.byteLength > data.byteLength) break
        if (equalAt(data, start, bytes)) found.push([start, start + bytes.byteLength])
      }
    }
    if (found.length === 0) return data
    found.sort((a, b) => a[0] - b[0] || b[1] - a[1])
    const out: Uint8Array[] = []
    let copiedUpTo = 0
    for (const [start, end] of found) {
      if (start < copiedUpTo) continue // inside (or overlapping) a secret already replaced
      out.push(data.subarray(copiedUpTo, start), REPLACEMENT)
      copiedUpTo = end
    }
    out.push(data.subarray(copiedUpTo))
    return concat(...out)
  }

  /** How many last bytes of `data` are a proper beginning of a secret (0 for none). */
  private heldSuffix(data: Uint8Array): number {
    const length = data.byteLength
    if (length === 0 || this.patternBytes[data[length - 1]!] === 0) return 0
    let longest = 0
    for (const { bytes } of this.patterns) {
      for (let size = Math.min(bytes.byteLength - 1, length); size > longest; size--) {
        if (equalAt(data, length - size, bytes.subarray(0, size))) {
          longest = size
          break
        }
      }
    }
    return longest
  }
}

function compile(secrets: readonly string[]): Compiled {
  const key = secrets.join('\n')
  const cached = COMPILED.get(key)
  if (cached) return cached
  const encoder = new TextEncoder()
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_CHARS) continue
    const escaped = JSON.stringify(secret).slice(1, -1)
    for (const form of [secret, escaped, escaped.replaceAll('/', '\\/')]) forms.add(form)
  }
  const patterns = [...forms].map((form) => pattern(encoder.encode(form)))
  const patternBytes = new Uint8Array(256)
  for (const { bytes } of patterns) for (const byte of bytes) patternBytes[byte] = 1
  const compiled = { patterns, patternBytes }
  // Rotated keys leave old entries behind: drop the oldest rather than grow.
  if (COMPILED.size >= MAX_COMPILED) COMPILED.delete(COMPILED.keys().next().value!)
  COMPILED.set(key, compiled)
  return compiled
}

/** Lower-case letters, spaces and digits fill ordinary text; upper case and punctuation are rarer. */
function commonness(byte: number): number {
  if (byte >= 0x61 && byte <= 0x7a) return 3
  if (byte === 0x20 || (byte >= 0x30 && byte <= 0x39)) return 2
  if (byte >= 0x41 && byte <= 0x5a) return 1
  return 0
}

function pattern(bytes: Uint8Array): Pattern {
  let anchorAt = 0
  for (let i = 1; i < bytes.byteLength; i++)
    if (commonness(bytes[i]!) < commonness(bytes[anchorAt]!)) anchorAt = i
  return { bytes, anchor: bytes[anchorAt]!, anchorAt }
}

function equalAt(data: Uint8Array, start: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.byteLength; i++) if (data[start + i] !== bytes[i]) return false
  return true
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let size = 0
  for (const part of parts) size += part.byteLength
  const out = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}
