/**
 * The headers newer GitLab Rails adds to every AI call (gitlab-client §2.1, "newest [F]"): never a
 * reason to refuse a request, whatever their value (empty, 16 KiB, not ASCII), and recorded in the
 * access-log line under `gitlab_*` names, each cut to a bounded length (saying so) and never
 * carrying a token.
 */
import { describe, expect, it } from 'vitest'
import { MAX_LOGGED_HEADER_CHARS } from '../../src/http/logged-headers.ts'
import { gitlabHeaders, instanceToken, settingsFor, TOKEN_PATH } from './gitlab.ts'
import { gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import { jsonLogs, type Gateway, type Target } from './target.ts'

/** Header → log field and a value as an 18.9 instance sends it. */
const RAILS_18_HEADERS: [string, string, string][] = [
  ['x-gitlab-deployment-type', 'gitlab_deployment_type', 'self-managed'],
  ['x-gitlab-user-id', 'gitlab_user_id', '7'],
  ['x-gitlab-subject-type', 'gitlab_subject_type', 'human'],
  ['x-gitlab-namespace-id', 'gitlab_namespace_id', '22'],
  ['x-gitlab-root-namespace-id', 'gitlab_root_namespace_id', '9'],
  ['x-gitlab-organization-id', 'gitlab_organization_id', '1'],
  ['x-gitlab-project-id', 'gitlab_project_id', '1234'],
  ['X-Gitlab-Client-Type', 'gitlab_client_type', 'vscode'],
  ['X-Gitlab-Client-Version', 'gitlab_client_version', '6.41.2'],
  ['X-Gitlab-Client-Name', 'gitlab_client_name', 'gitlab-lsp'],
  ['X-Gitlab-Interface', 'gitlab_interface', 'duo_chat'],
]

const accessLines = (gateway: Gateway) => jsonLogs(gateway).filter((line) => line.logger === 'api.access')

/** A UTF-8 text as the bytes an HTTP client puts on the wire (each byte one character, as `Headers` hold it). */
const asWireBytes = (text: string) => String.fromCharCode(...new TextEncoder().encode(text))

export function railsHeadersContract(target: Target) {
  describe(`GitLab 18.x request headers: accepted and logged [${target.runtime}]`, () => {
    const start = gatewayFactory(target)

    async function setUp() {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const token = await instanceToken(issuer, '18.x')
      const mint = (headers: Record<string, string>) =>
        gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(token, headers) })
      return { gateway, token, mint }
    }

    it('records each of them in the access-log line under its gitlab_* name, and never the token', async () => {
      const { gateway, token, mint } = await setUp()
      const response = await mint(
        Object.fromEntries(RAILS_18_HEADERS.map(([header, , value]) => [header, value])),
      )
      expect(response.status).toBe(200)
      const [line] = accessLines(gateway)
      for (const [header, field, value] of RAILS_18_HEADERS) expect(line?.[field], header).toBe(value)
      // On a public route and a refused one too.
      await gateway.fetch('/monitoring/healthz', {
        headers: { 'x-gitlab-user-id': '7', 'X-Gitlab-Client-Name': 'gitlab-lsp' },
      })
      await gateway.fetch(TOKEN_PATH, {
        method: 'POST',
        headers: { 'x-gitlab-deployment-type': 'dedicated' },
      })
      expect(accessLines(gateway).slice(1)).toEqual([
        expect.objectContaining({ status_code: 200, gitlab_user_id: '7', gitlab_client_name: 'gitlab-lsp' }),
        expect.objectContaining({ status_code: 401, gitlab_deployment_type: 'dedicated' }),
      ])
      const logs = gateway.logs().join('\n')
      expect(logs).not.toContain(token)
      expect(logs).not.toContain(token.split('.')[2])
    })

    it('refuses none for its value: empty, 16 KiB, not ASCII, JSON-looking; a long one is cut and says so', async () => {
      const { gateway, mint } = await setUp()
      const huge = 'n'.repeat(16 * 1024)
      const values: [string, string][] = [
        ['empty', ''],
        ['16 KiB', huge],
        ['JSON and quotes', '{"a": "b\\"c"} \'<script>'],
        ['spaces and tabs', '  a\tb  '],
      ]
      // Bytes outside ASCII arrive over real HTTP on Node; workerd's Headers, where the test builds the
      // request, print a warning for each such value (they re-encode it), so there they are left out.
      if (target.runtime === 'node')
        values.push(['UTF-8 bytes', asWireBytes('Zürich – 東京 🚀')], ['Latin-1', 'caf\u00e9'])
      for (const [what, value] of values) {
        for (const [header, field] of RAILS_18_HEADERS) {
          const response = await mint({ [header]: value })
          expect(response.status, `${what} in ${header}`).toBe(200)
          const line = accessLines(gateway).at(-1)!
          const logged = String(line[field])
          if (value.length <= MAX_LOGGED_HEADER_CHARS) {
            // Headers lose leading and trailing whitespace on the way (HTTP says so); the rest is kept as received.
            expect(logged, `${what} in ${header}`).toBe(value.trim())
          } else {
            expect(logged, `${what} in ${header}`).toBe(
              `${value.slice(0, MAX_LOGGED_HEADER_CHARS)}…[cut: ${value.length} characters]`,
            )
          }
        }
      }
      // Every one of them 4 KiB at once: still answered, and the log line stays small.
      const all = await mint(
        Object.fromEntries(RAILS_18_HEADERS.map(([header]) => [header, 'n'.repeat(4096)])),
      )
      expect(all.status).toBe(200)
      const line = gateway.logs().at(-1)!
      expect(line.length).toBeLessThan(RAILS_18_HEADERS.length * (MAX_LOGGED_HEADER_CHARS + 64) + 2048)
    })

    it('never logs a token someone put in one of them', async () => {
      const { gateway, token, mint } = await setUp()
      expect(
        (await mint({ 'X-Gitlab-Client-Name': `Bearer ${token}`, 'x-gitlab-user-id': token })).status,
      ).toBe(200)
      const line = accessLines(gateway).at(-1)!
      expect([line.gitlab_client_name, line.gitlab_user_id]).toEqual([
        'Bearer [redacted token]',
        '[redacted token]',
      ])
      expect(gateway.logs().join('\n')).not.toContain(token.split('.')[1])
    })
  })
}
