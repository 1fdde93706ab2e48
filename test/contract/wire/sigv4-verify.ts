/**
 * An independent SigV4 check of a request as the upstream received it, following AWS's documented
 * algorithm (Signature Version 4, header auth, every service but S3) with crypto.subtle. It
 * shares no code with aws4fetch, so a signer that signs a different path, header set or body than
 * the one on the wire cannot pass. Web APIs only: this runs inside workerd too.
 */
import type { Received } from '../model-server-client.ts'

export interface SignedRequest {
  method: string
  /** Path and query exactly as they went on the wire (still percent-encoded). */
  path: string
  /** Lower-case header names. */
  headers: Record<string, string>
  body: Uint8Array | string
}

export interface SigV4Check {
  ok: boolean
  /** The signature the Authorization header carries, and the one recomputed here. */
  given: string
  expected: string
  accessKeyId: string
  scope: { date: string; region: string; service: string }
  signedHeaders: string[]
  /** `x-amz-*` headers that were sent but not signed (AWS wants them all signed). */
  unsignedAmzHeaders: string[]
  canonicalRequest: string
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/

/** What the fake model server recorded, with the tenant prefix of `baseUrl` put back in front of the path. */
export function asSent(received: Received, baseUrl: string): SignedRequest {
  const binary = atob(received.bodyBase64)
  const body = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  return {
    method: received.method,
    path: new URL(baseUrl).pathname + received.path,
    headers: received.headers,
    body,
  }
}

export async function verifySigV4(request: SignedRequest, secretAccessKey: string): Promise<SigV4Check> {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '')
  if (!match)
    throw new Error(`not a SigV4 Authorization header: ${request.headers.authorization ?? '(none)'}`)
  const [, accessKeyId = '', date = '', region = '', service = '', signedList = '', given = ''] = match
  const amzDate = request.headers['x-amz-date'] ?? ''
  if (!amzDate.startsWith(date))
    throw new Error(`x-amz-date ${amzDate} is not in the credential scope's day ${date}`)

  const signedHeaders = signedList.split(';')
  const [rawPath = '', rawQuery = ''] = splitOnce(request.path, '?')
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(request.headers[name] ?? '').trim().replace(/ +/g, ' ')}\n`)
    .join('')
  const payloadHash =
    request.headers['x-amz-content-sha256'] ?? hex(await crypto.subtle.digest('SHA-256', bytes(request.body)))
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    signedList,
    payloadHash,
  ].join('\n')

  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    hex(await crypto.subtle.digest('SHA-256', bytes(canonicalRequest))),
  ].join('\n')
  let key = await hmac(bytes(`AWS4${secretAccessKey}`), date)
  for (const part of [region, service, 'aws4_request']) key = await hmac(key, part)
  const expected = hex(await hmac(key, stringToSign))

  return {
    ok: expected === given,
    given,
    expected,
    accessKeyId,
    scope: { date, region, service },
    signedHeaders,
    unsignedAmzHeaders: Object.keys(request.headers).filter(
      (name) => name.startsWith('x-amz-') && !signedHeaders.includes(name),
    ),
    canonicalRequest,
  }
}

/**
 * Normalized (dot segments and empty segments removed), then each segment URI-encoded: the
 * segments are taken as sent, so an id sent as `%3A` is encoded again to `%253A`, as AWS
 * prescribes for every service but S3.
 */
function canonicalUri(path: string): string {
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(uriEncode(segment))
  }
  const trailing = path.endsWith('/') && segments.length > 0 ? '/' : ''
  return `/${segments.join('/')}${trailing}`
}

/** Names and values decoded from the wire, URI-encoded, sorted by name then value. */
function canonicalQuery(query: string): string {
  if (query === '') return ''
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const [name = '', value = ''] = splitOnce(pair, '=')
      return [uriEncode(decodeQuery(name)), uriEncode(decodeQuery(value))] as const
    })
    .sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
}

/** AWS's UriEncode: every UTF-8 byte but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex). */
function uriEncode(text: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

function decodeQuery(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, '%20'))
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator)
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)]
}

function bytes(value: Uint8Array | string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(typeof value === 'string' ? new TextEncoder().encode(value) : value)
}

async function hmac(key: Uint8Array<ArrayBuffer> | ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  return crypto.subtle.sign('HMAC', cryptoKey, bytes(data))
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('')
}
