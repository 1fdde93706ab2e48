/**
 * Unary gRPC calls with an empty request message over a bare HTTP/2 session, for the doctor's look
 * at the Agent Platform port: node:http2 says precisely why a connection failed (refused, a TLS
 * handshake against a plaintext port, a plaintext preface against a TLS port), which a gRPC client
 * library folds into UNAVAILABLE. The certificate is not verified here: tls-probe.ts judges it.
 */
import { connect, type ClientHttp2Session } from 'node:http2'
import { isIP } from 'node:net'
import { describeFailure, type NetworkFailure } from './probe.ts'

export interface GrpcAddress {
  host: string
  port: number
}

export interface GrpcAnswer {
  /** grpc-status (0 = OK); from the trailers, or the headers of a trailers-only answer. */
  code: number
  message: string
  /** The response message, without its 5-byte length prefix. */
  body: Buffer
}

export type GrpcSession =
  | {
      ok: true
      call(path: string): Promise<GrpcAnswer | NetworkFailure>
      close(): void
    }
  | { ok: false; failure: NetworkFailure }

/** Opens a session and waits for the server's SETTINGS: then the port speaks HTTP/2 over this transport. */
export function openGrpcSession(address: GrpcAddress, tls: boolean, timeoutMs: number): Promise<GrpcSession> {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return new Promise((resolve) => {
    const session = connect(`${tls ? 'https' : 'http'}://${host}:${address.port}`, {
      ...(tls
        ? {
            rejectUnauthorized: false,
            ALPNProtocols: ['h2'],
            ...(isIP(address.host) ? {} : { servername: address.host }),
          }
        : {}),
    })
    const timer = setTimeout(
      () =>
        settle({ kind: 'timeout', code: undefined, reason: `no HTTP/2 answer within ${timeoutMs / 1000} s` }),
      timeoutMs,
    )
    let done = false
    const settle = (failure?: NetworkFailure) => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (failure) {
        session.destroy()
        resolve({ ok: false, failure })
      } else
        resolve({ ok: true, call: (path) => unary(session, path, timeoutMs), close: () => session.close() })
    }
    session.once('remoteSettings', () => settle())
    session.on('error', (error) => settle(describeFailure(error, timeoutMs)))
    // A server that closes without a word, e.g. a TLS port given a plaintext HTTP/2 preface.
    session.once('close', () =>
      settle({ kind: 'reset', code: undefined, reason: 'the connection was closed before an HTTP/2 answer' }),
    )
  })
}

function unary(
  session: ClientHttp2Session,
  path: string,
  timeoutMs: number,
): Promise<GrpcAnswer | NetworkFailure> {
  return new Promise((resolve) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    const chunks: Buffer[] = []
    let code: string | undefined
    let message = ''
    const read = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) code = String(headers['grpc-status'])
      if (typeof headers['grpc-message'] === 'string') message = decode(headers['grpc-message'])
    }
    stream.setTimeout(timeoutMs, () => stream.close())
    stream.on('response', read)
    stream.on('trailers', read)
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('error', (error) => resolve(describeFailure(error, timeoutMs)))
    stream.on('close', () => {
      if (code === undefined)
        return resolve({ kind: 'reset', code: undefined, reason: 'the call ended without a gRPC status' })
      resolve({ code: Number(code), message, body: Buffer.concat(chunks).subarray(5) })
    })
    stream.end(Buffer.from([0, 0, 0, 0, 0]))
  })
}

/** grpc-message is percent-encoded. */
function decode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

export const isAnswer = (value: GrpcAnswer | NetworkFailure): value is GrpcAnswer => 'body' in value
