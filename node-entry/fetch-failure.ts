/**
 * The Node side of `Platform.fetchFailure`: what a failed outbound call was, from the error code
 * undici or the system put on the error or somewhere down its `cause` chain (fetch-shaped errors
 * are `TypeError('fetch failed', { cause })`, a body that broke is `TypeError('terminated')`), plus
 * the guarded DNS lookup's own code. The core turns the kind into the client's status and message.
 */
import type { FetchFailureReader, TransportFailure, TransportFailureKind } from '../src/platform.ts'
import { LINK_LOCAL_CODE } from './guarded-lookup.ts'

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL'])
const TLS_CODE = /CERT|SSL|TLS|EPROTO|HOSTNAME|ALTNAME|UNABLE_TO_(GET|VERIFY)|SIGNATURE/
const CONNECT_TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])
/** undici's words for a connection that broke: the body stream's `terminated`, the socket's `other side closed`. */
const LOST = /terminated|other side closed/i

export const nodeFetchFailure: FetchFailureReader = (error, phase) => {
  const { code, message } = describe(error)
  const failure = (kind: TransportFailureKind): TransportFailure => (code ? { kind, code } : { kind })
  if (code === LINK_LOCAL_CODE) return failure('blocked')
  if (code === 'ECONNREFUSED') return failure('refused')
  if (code && DNS_CODES.has(code)) return failure('dns')
  if (code && TLS_CODE.test(code)) return failure('tls')
  if (code && CONNECT_TIMEOUT_CODES.has(code)) return failure('timeout')
  // Without a code, broken-connection words before an answer are not enough to tell a reset from a failed connect.
  if ((code && RESET_CODES.has(code)) || (LOST.test(message) && (code || phase === 'body')))
    return failure('reset')
  return failure('connect')
}

/** The error code and message of an error or of its causes (fetch hides the useful part in `cause`). */
function describe(error: unknown): { code: string | undefined; message: string } {
  let current: unknown = error
  let message = ''
  for (let depth = 0; depth < 4 && current; depth++) {
    const value = current as { code?: unknown; message?: unknown; cause?: unknown }
    if (typeof value.message === 'string') message += ` ${value.message}`
    if (typeof value.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(value.code))
      return { code: value.code, message }
    current = value.cause
  }
  return { code: undefined, message }
}
