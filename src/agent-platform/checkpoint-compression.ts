/**
 * `compressed_checkpoint`: base64 of zlib of the checkpoint's JSON (spec §7.3, flag
 * `duo_workflow_compress_checkpoint`), what Rails' `Zlib::Inflate` + `Base64.strict_decode64`
 * read. Web-standard streams only ('deflate' is the zlib format, RFC 1950), so it runs on Node
 * and in workerd alike.
 *
 * Inflating is bounded: a few KiB of zlib can inflate to gigabytes, and the data comes from
 * outside the process.
 */

/** Default bound on an inflated checkpoint (a checkpoint travels in 4 MiB gRPC messages; JSON compresses ~10:1). */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024

export async function deflateToBase64(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate'))
  return toBase64(new Uint8Array(await new Response(stream).arrayBuffer()))
}

export type Inflated = { ok: true; text: string } | { ok: false; error: string }

/** The text a `compressed_checkpoint` holds, or why it cannot be read (never an exception). */
export async function inflateFromBase64(data: string, maxBytes = MAX_INFLATED_BYTES): Promise<Inflated> {
  let compressed: Uint8Array<ArrayBuffer>
  try {
    compressed = fromBase64(data)
  } catch {
    return { ok: false, error: 'it is not base64' }
  }
  const reader = new Blob([compressed]).stream().pipeThrough(new DecompressionStream('deflate')).getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        return { ok: false, error: `it inflates to more than ${Math.round(maxBytes / 1024 / 1024)} MiB` }
      }
      chunks.push(value)
    }
  } catch {
    return { ok: false, error: 'it is not zlib data, or is cut short' }
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) }
  } catch {
    return { ok: false, error: 'it does not inflate to UTF-8 text' }
  }
}

/** Standard, padded base64 (what Ruby's `strict_decode64` accepts). */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  // fromCharCode takes its codes as arguments: a bounded slice at a time stays under engines' argument limits.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** @throws when `data` is not base64. */
export function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
