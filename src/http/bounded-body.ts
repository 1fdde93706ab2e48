/**
 * A whole HTTP body as text, never more than a given number of bytes of it in memory. The length
 * is counted as bytes arrive rather than trusted from `Content-Length`: a runtime that decodes a
 * compressed body (workerd) would otherwise let a small declared length inflate without bound.
 * Every buffered read of an upstream answer goes through here (model answers, signing keys, tokens).
 */

/** The body's text, or `undefined` (the body cancelled) once it proves larger than `limitBytes`. Read errors are thrown as they come. */
export async function readBounded(response: Response, limitBytes: number): Promise<string | undefined> {
  const body = response.body
  if (!body) return ''
  const declared = response.headers.get('content-length')
  if (declared !== null && Number(declared) > limitBytes) {
    await body.cancel().catch(() => {})
    return undefined
  }
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const result = await reader.read()
    if (result.done) break
    size += result.value.byteLength
    if (size > limitBytes) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(result.value)
  }
  return decoder.decode(chunks.length === 1 ? chunks[0] : concat(chunks, size))
}

const decoder = new TextDecoder()

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
