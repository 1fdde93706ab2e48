/**
 * HTTP requests for the checks, over the gateway's own outbound client (same connection pool
 * rules, same CA store, same link-local refusal), with a deadline, and network failures turned
 * into a short plain-language reason: fetch hides what went wrong (ECONNREFUSED, a TLS error) in
 * its `cause`. The doctor explains a failure in words for an operator; the gateway itself only
 * classifies it (node-entry/fetch-failure.ts).
 */
import { LINK_LOCAL_CODE } from '../guarded-lookup.ts'

export type FailureKind = 'timeout' | 'refused' | 'dns' | 'tls' | 'reset' | 'blocked' | 'other'

export interface NetworkFailure {
  kind: FailureKind
  /** The error code (ECONNREFUSED, SELF_SIGNED_CERT_IN_CHAIN...) when there is one. */
  code: string | undefined
  /** A plain-language reason, e.g. "the connection was refused (ECONNREFUSED)". */
  reason: string
}

export type Probe =
  { ok: true; response: Response; receivedAt: number } | { ok: false; failure: NetworkFailure }

export async function request(
  fetcher: typeof fetch,
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<Probe> {
  const { timeoutMs, ...rest } = init
  try {
    const response = await fetcher(url, {
      redirect: 'follow',
      ...rest,
      signal: AbortSignal.timeout(timeoutMs),
    })
    return { ok: true, response, receivedAt: Date.now() }
  } catch (error) {
    return { ok: false, failure: describeFailure(error, timeoutMs) }
  }
}

/** Reads a JSON body, or undefined when it is not JSON (the body is consumed either way). */
export async function jsonBody(response: Response): Promise<unknown> {
  try {
    return await response.json()
  } catch {
    return undefined
  }
}

/** Reads at most a short excerpt of a body, for a verdict (never the whole of a large page). */
export async function excerpt(response: Response, limit = 200): Promise<string> {
  try {
    const text = (await response.text()).replace(/\s+/g, ' ').trim()
    return text.length > limit ? `${text.slice(0, limit)}...` : text
  } catch {
    return ''
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
])

export function describeFailure(error: unknown, timeoutMs: number): NetworkFailure {
  const name = (error as { name?: unknown })?.name
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'timeout', code: undefined, reason: `no answer within ${timeoutMs / 1000} s` }
  }
  const code = errorCode(error)
  const message = innermostMessage(error)
  if (code === 'ECONNREFUSED')
    return {
      kind: 'refused',
      code,
      reason: 'the connection was refused (ECONNREFUSED): nothing listens on that host and port',
    }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { kind: 'dns', code, reason: `the host name does not resolve (${code})` }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return {
      kind: 'refused',
      code,
      reason: `the host cannot be reached (${code}): a firewall or routing problem`,
    }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
    return {
      kind: 'timeout',
      code,
      reason: `connecting timed out (${code}): a firewall may drop the traffic`,
    }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    return { kind: 'reset', code, reason: `the connection was closed before an answer (${code})` }
  if (code === LINK_LOCAL_CODE)
    return {
      kind: 'blocked',
      code,
      reason: 'the host resolves to a link-local address, which the gateway never connects to',
    }
  if ((code && TLS_CODES.has(code)) || /certificate|ssl|tls/i.test(message)) {
    return { kind: 'tls', code, reason: `the TLS handshake failed: ${tlsReason(code, message)}` }
  }
  return { kind: 'other', code, reason: code ? `${message} (${code})` : message }
}

/** What a certificate verification error code means, in words. */
export function tlsReason(code: string | undefined, message = ''): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'the certificate is self-signed and not in the trusted CAs (DEPTH_ZERO_SELF_SIGNED_CERT)'
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'the certificate chain ends in a private CA that is not trusted (SELF_SIGNED_CERT_IN_CHAIN)'
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `the certificate is signed by a CA that is not trusted, or the server does not send its intermediate certificates (${code})`
    case 'CERT_HAS_EXPIRED':
      return 'the certificate has expired (CERT_HAS_EXPIRED)'
    case 'CERT_NOT_YET_VALID':
      return "the certificate is not valid yet (CERT_NOT_YET_VALID): check this machine's clock"
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the certificate does not name this host (${message || code})`
    default:
      return code ? `${message} (${code})` : message
  }
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error)
  for (
    let current: unknown = (error as { cause?: unknown })?.cause, depth = 0;
    current && depth < 5;
    depth++
  ) {
    if (current instanceof Error && current.message) message = current.message
    current = (current as { cause?: unknown }).cause
  }
  return message
}
