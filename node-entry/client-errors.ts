/**
 * The HTTP server's own limits and the answers it gives before a request reaches the app: a
 * malformed request (400), headers too large (431, over 64 KiB), a client too slow to send its
 * headers or its body (408). Node answers those with an empty body; here they get the gateway's documented error
 * shape, `{"detail": ...}`, and the connection is closed.
 *
 * Node's defaults let a slow client hold a socket for minutes (headers: 60 s, the whole request:
 * 300 s, both checked only every 30 s), a cheap way to exhaust connections: the limits come from
 * AIGW_FASTAPI__HEADERS_TIMEOUT_S and AIGW_FASTAPI__REQUEST_TIMEOUT_S, checked every second.
 */
import type { Server, ServerOptions } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Config } from '../src/config.ts'
import type { Logger } from '../src/logging.ts'

/**
 * Node's default (16 KiB for all headers together) refuses a request whose one odd header is 16 KiB,
 * although no header decides an answer and the access log keeps a bounded copy: the gateway takes
 * 64 KiB, still a bound, as Cloudflare's 128 KB is on Workers.
 */
export const MAX_HEADER_BYTES = 64 * 1024

export function serverLimits(
  config: Config,
): Pick<
  ServerOptions,
  'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval' | 'maxHeaderSize'
> {
  const { headersTimeoutMs, requestTimeoutMs } = config.server
  return {
    maxHeaderSize: MAX_HEADER_BYTES,
    // Node requires headersTimeout <= requestTimeout.
    headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
  }
}

const ANSWERS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'Request Timeout'],
}

export function answerClientErrors(server: Server, logger: Logger): void {
  server.on(
    'clientError',
    (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
      const code = error.code ?? ''
      // A reset or an answer already on its way: nothing to say, only to let go.
      if (code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
        socket.destroy()
        return
      }
      const [status, phrase] = ANSWERS[code] ?? [400, 'Bad Request']
      logger.debug('Refused a request before routing', { status_code: status, error_code: code || undefined })
      const body = JSON.stringify({ detail: phrase })
      socket.end(
        `HTTP/1.1 ${status} ${phrase}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      )
    },
  )
}
