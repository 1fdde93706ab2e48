/**
 * `npm start`: the gateway as a process on AIGW_FASTAPI__API_HOST:AIGW_FASTAPI__API_PORT
 * (default 0.0.0.0:5052), and Prometheus metrics on AIGW_FASTAPI__METRICS_HOST:__METRICS_PORT
 * (default 0.0.0.0:8082). Invalid settings stop it before it listens, naming the variable.
 * SIGTERM/SIGINT stop accepting connections and let in-flight requests finish.
 */
import { ConfigError } from '../src/config.ts'
import { loadEnvironment, trustCaBundles, withGoogleCredentials } from './env.ts'
import { startServer, type RunningServer } from './server.ts'

async function main(): Promise<void> {
  let server: RunningServer
  try {
    const env = withGoogleCredentials(loadEnvironment())
    trustCaBundles(env)
    server = await startServer({ env, metrics: true })
  } catch (error) {
    if (error instanceof ConfigError) return exit(`aigw-edge: ${error.message}`)
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return exit(`aigw-edge: ${(error as Error).message}`)
    throw error
  }

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    server.gateway.logger.info('Shutting down: finishing in-flight requests', { signal })
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  // A failed background promise must not take the whole gateway (and its open streams) down.
  process.on('unhandledRejection', (reason) => {
    server.gateway.logger.error('Unhandled promise rejection', { exception_message: String(reason) })
  })
}

function exit(message: string): void {
  process.stderr.write(`${message}\n`)
  process.exitCode = 1
}

await main()
