/**
 * `npm start`: the gateway as a process on AIGW_FASTAPI__API_HOST:AIGW_FASTAPI__API_PORT
 * (default 0.0.0.0:5052), and Prometheus metrics on AIGW_FASTAPI__METRICS_HOST:__METRICS_PORT
 * (default 0.0.0.0:8082). Invalid settings stop it before it listens, naming the variable.
 * SIGTERM/SIGINT stop accepting connections and let in-flight requests finish.
 */
import { ConfigError } from '../src/config.ts'
import { environmentSources, loadEnvironment, trustCaBundles, withGoogleCredentials } from './env.ts'
import { unsupportedNode } from './node-version.ts'
import type { RunningServer } from './server.ts'

async function main(): Promise<void> {
  const tooOld = unsupportedNode()
  if (tooOld) return exit(tooOld)
  // Loaded only now: the gateway's modules (undici 8 among them) cannot even be loaded by an older
  // Node, which must get the sentence above rather than a stack.
  const { startServer } = await import('./server.ts')
  let server: RunningServer
  try {
    const env = withGoogleCredentials(loadEnvironment())
    trustCaBundles(env)
    server = await startServer({ env, metrics: true, settingSource: environmentSources() })
  } catch (error) {
    if (error instanceof ConfigError) return exit(`aigw-edge: ${error.message}`)
    const listenProblem = listenFailure(error as NodeJS.ErrnoException)
    if (listenProblem) return exit(`aigw-edge: ${listenProblem}`)
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

/** The API port could not be opened: say which setting to change, not only the system's words. */
function listenFailure(
  error: NodeJS.ErrnoException & { address?: string; port?: number },
): string | undefined {
  const where = `port ${error.port} on ${error.address}`
  const why = `(${error.message})`
  if (error.code === 'EADDRINUSE')
    return `${where} is already in use: set AIGW_FASTAPI__API_PORT to a free port, or stop what listens there ${why}`
  if (error.code === 'EACCES')
    return `${where} needs privileges this process lacks: set AIGW_FASTAPI__API_PORT to 1024 or above ${why}`
  if (error.code === 'EADDRNOTAVAIL')
    return `${error.address} is not an address of this machine: check AIGW_FASTAPI__API_HOST ${why}`
  return undefined
}

function exit(message: string): void {
  process.stderr.write(`${message}\n`)
  process.exitCode = 1
}

await main()
