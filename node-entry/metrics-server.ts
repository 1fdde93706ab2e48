/**
 * GitLab's metrics server: Prometheus text on its own plain-HTTP port
 * (AIGW_FASTAPI__METRICS_HOST:AIGW_FASTAPI__METRICS_PORT), any path, no auth, so the API port
 * never exposes it. A port that cannot be had is logged and the gateway serves on without metrics:
 * metrics must not take the API down.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import type { Logger } from '../src/logging.ts'

export interface MetricsServer {
  url: string
  close(): Promise<void>
}

export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  logger: Logger,
): Promise<MetricsServer | undefined> {
  const server = createServer((request, response) => {
    // Drain any request body; the answer is the same for every method and path.
    request.resume()
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType })
        response.end(request.method === 'HEAD' ? undefined : text)
      },
      (error: unknown) => {
        logger.error('Could not collect metrics', { error: String(error) })
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n')
      },
    )
  })
  try {
    await listen(server, port, host)
  } catch (error) {
    logger.error('Metrics server could not listen; serving the API without metrics', {
      host,
      port,
      error: (error as NodeJS.ErrnoException).code ?? String(error),
    })
    return undefined
  }
  const bound = (server.address() as AddressInfo).port
  logger.info('Metrics server listening', { host, port: bound })
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}
