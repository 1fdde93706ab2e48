import { afterAll, beforeAll, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../node-entry/server.ts'
import { CHROMIUM, renderedDom } from './processes.ts'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({
    env: { AIGW_CUSTOMER_PORTAL_URL: '', AIGW_GITLAB_URL: 'http://127.0.0.1:9' },
    host: '127.0.0.1',
    port: 0,
    logSink: () => {},
  })
})
afterAll(() => server?.close(0))

it.skipIf(!CHROMIUM)('renders /docs from the Node server in headless Chromium with no internet', async () => {
  const dom = await renderedDom(`${server.url}/docs`)
  expect(dom).toContain('GitLab AI Gateway')
  expect(dom).toMatch(/class="opblock opblock-get/)
  expect(dom).toContain('/monitoring/healthz')
  expect(dom).toContain('/v1/code/user_access_token')
})
