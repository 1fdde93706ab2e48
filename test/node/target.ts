/** The contract suites' Node target: the real Node server (node-entry/server.ts) on 127.0.0.1:0. */
import { startServer } from '../../node-entry/server.ts'
import { ConfigError } from '../../src/config.ts'
import type { Target } from '../contract/target.ts'

export const nodeTarget: Target = {
  runtime: 'node',
  sharesKeyStore: false,
  async start(settings) {
    const lines: string[] = []
    const server = await startServer({
      env: settings,
      host: '127.0.0.1',
      port: 0,
      logSink: (line) => lines.push(line),
    })
    return {
      fetch: (path, init) => fetch(`${server.url}${path}`, init),
      logs: () => lines,
      settled: () => server.settled(),
      close: () => server.close(200),
    }
  },
  async startInvalid(settings) {
    try {
      const server = await startServer({ env: settings, host: '127.0.0.1', port: 0, logSink: () => {} })
      await server.close(0)
    } catch (error) {
      if (error instanceof ConfigError) return error.message
      throw error
    }
    throw new Error('the server started with invalid settings')
  },
}
