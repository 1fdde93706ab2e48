/**
 * Settings (spec §3): GitLab's names and boolean words, and invalid settings reported by variable
 * name, never by value. Node refuses to start; a Worker answers 500 naming the variable.
 */
import { describe, expect, it } from 'vitest'
import { gitlabHeaders, settingsFor, TOKEN_PATH } from './gitlab.ts'
import { gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import { jsonLogs, type Target } from './target.ts'

const INVALID: [string, string][] = [
  ['AIGW_AUTH__BYPASS_EXTERNAL', 'maybe-secret-1'],
  ['AIGW_GITLAB_URL', 'gitlab.example.com/secret-2'],
  ['AIGW_CUSTOMER_PORTAL_URL', 'ftp://secret-3'],
  ['AIGW_FASTAPI__API_PORT', 'secret-4'],
  ['AIGW_LOGGING__LEVEL', 'secret-5'],
  ['AIGW_FASTAPI__DOCS_URL', 'docs-secret-6'],
  ['AIGW_SELF_SIGNED_JWT__SIGNING_KEY', 'not-a-key-secret-7'],
  [
    'AIGW_SELF_SIGNED_JWT__VALIDATION_KEY',
    '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LTg=\n-----END PRIVATE KEY-----',
  ],
  ['AIGW_UPSTREAM__TIMEOUT_S', 'secret-9'],
  ['AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S', '-1'],
  ['AIGW_CUSTOM_MODELS__ALLOWED_HOSTS', 'http://secret-10/'],
  ['AIGW_AUTH__TOKEN_CACHE_SIZE', 'secret-11'],
  ['OPENAI_BASE_URL', 'api.openai.com/secret-12'],
]

export function configContract(target: Target) {
  describe(`settings [${target.runtime}]`, () => {
    const start = gatewayFactory(target)

    for (const [variable, value] of INVALID) {
      it(`names ${variable} when it is invalid, without its value`, async () => {
        const message = await target.startInvalid({ AIGW_CUSTOMER_PORTAL_URL: '', [variable]: value })
        expect(message).toContain('Invalid configuration')
        expect(message).toContain(variable)
        expect(message).not.toContain(value)
        expect(message).not.toMatch(/secret/)
      })
    }

    it('reads booleans as pydantic does and names case-insensitively', async () => {
      for (const word of ['yes', 'ON', '1', 't', 'True']) {
        const gateway = await start({ aigw_auth__bypass_external: word, AIGW_CUSTOMER_PORTAL_URL: '' })
        expect((await gateway.fetch('/v2/x', { method: 'POST' })).status, word).toBe(404)
      }
      for (const word of ['no', 'off', '0', 'f', 'FALSE', '']) {
        const gateway = await start({
          AIGW_AUTH__BYPASS_EXTERNAL: word,
          AIGW_CUSTOMER_PORTAL_URL: '',
          AIGW_GITLAB_URL: 'http://127.0.0.1:9',
        })
        expect((await gateway.fetch('/v2/x', { method: 'POST' })).status, word).toBe(401)
      }
    })

    it('warns once about a setting name it does not know, with the nearest known name, never the value', async () => {
      const issuer = await newIssuer()
      const gateway = await start({
        ...settingsFor(issuer),
        AIGW_LOGGING__LEVLE: 'debug-secret-13',
        AIGW_AUTH_BYPASS_EXTERNAL: 'true',
      })
      expect((await gateway.fetch('/monitoring/healthz')).status).toBe(200)
      const warnings = jsonLogs(gateway).filter((l) => l.level === 'warning' && l.logger === 'config')
      expect(warnings.map((l) => [l.variable, l.suggestion])).toEqual([
        ['AIGW_LOGGING__LEVLE', 'AIGW_LOGGING__LEVEL'],
        ['AIGW_AUTH_BYPASS_EXTERNAL', 'AIGW_AUTH__BYPASS_EXTERNAL'],
      ])
      expect(String(warnings[0]!.message)).toContain('Did you mean AIGW_LOGGING__LEVEL?')
      expect(gateway.logs().join('\n')).not.toContain('secret-13')
      // The misspelt switch really is ignored: authentication still applies.
      expect((await gateway.fetch(TOKEN_PATH, { method: 'POST' })).status).toBe(401)
    })

    it('warns when AIGW_GITLAB_URL is not set: tokens would be checked against GitLab.com', async () => {
      const gateway = await start({ AIGW_CUSTOMER_PORTAL_URL: '' })
      expect((await gateway.fetch('/monitoring/healthz')).status).toBe(200)
      const warnings = jsonLogs(gateway).filter((l) => l.level === 'warning' && l.logger === 'config')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatchObject({ variable: 'AIGW_GITLAB_URL', kind: 'unset' })
      expect(String(warnings[0]!.message)).toContain('GitLab.com')
    })

    it('uses the settings GitLab documents for a self-managed install', async () => {
      const issuer = await newIssuer()
      const gateway = await start({
        ...settingsFor(issuer),
        AIGW_GITLAB_API_URL: `${issuer.url}/api/v4/`,
        AIGW_CUSTOM_MODELS__ENABLED: 'true',
        AIGW_LOGGING__LEVEL: 'WARNING',
        AIGW_LOGGING__FORMAT_JSON: 'false',
      })
      expect((await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders('x') })).status).toBe(
        401,
      )
      // WARNING level: no access-log lines; console format: not JSON.
      expect(gateway.logs().filter((l) => l.includes('api.access'))).toEqual([])
      expect(gateway.logs().every((l) => !l.startsWith('{'))).toBe(true)
    })

    if (target.runtime === 'workerd') {
      it('keeps liveness up and reports the problem on readiness when misconfigured', async () => {
        const gateway = await start({ AIGW_GITLAB_URL: 'nope' })
        expect((await gateway.fetch('/monitoring/healthz')).status).toBe(200)
        const ready = await gateway.fetch('/monitoring/ready')
        expect(ready.status).toBe(503)
        expect(await ready.json()).toEqual({
          status: 'not_ready',
          reasons: ['AIGW_GITLAB_URL: expected an http(s) URL such as https://gitlab.example.com'],
        })
      })
    }
  })
}
