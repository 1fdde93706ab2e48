/**
 * The Workers side of `Platform.fetchFailure`. workerd puts no error code on a failed fetch and
 * says little: "Network connection lost." for a connection that broke, and for a refused one too,
 * and "internal error; reference = …" for a host that does not resolve or a TLS handshake that
 * failed. So a failure before any answer is `connect` (cause unknown), and a connection lost while
 * the answer was being read is `reset`.
 */
import type { FetchFailureReader } from '../src/platform.ts'

const LOST = /connection lost/i

export const workerdFetchFailure: FetchFailureReader = (error, phase) =>
  phase === 'body' && LOST.test(messages(error)) ? { kind: 'reset' } : { kind: 'connect' }

/** The messages of an error and of its causes, in case a wrapper put workerd's error in `cause`. */
function messages(error: unknown): string {
  let text = ''
  let current: unknown = error
  for (let depth = 0; depth < 4 && current; depth++) {
    const value = current as { message?: unknown; cause?: unknown }
    if (typeof value.message === 'string') text += ` ${value.message}`
    current = value.cause
  }
  return text
}
