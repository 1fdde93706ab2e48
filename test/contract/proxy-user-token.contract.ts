/**
 * Third-party agents in CI (GitLab 18.x): Rails has the gateway mint a user access token carrying
 * `ai_gateway_model_provider_proxy` (spec platform §2; gitlab-client §3.3) and hands it, with its
 * headers, to the agent, which calls `/v1/proxy/{anthropic,openai}` with
 * `x-gitlab-unit-primitive: ai_gateway_model_provider_proxy` (spec platform §5.1). End to end: the
 * token minted by our own endpoint, the proxy call, the fake provider receiving the operator's key
 * and none of the caller's credentials, the stream relayed as sent. Refused with GitLab's bodies:
 * the token without the primitive, and the header naming a primitive the token or the proxy lacks.
 */
import { describe, expect, it } from 'vitest'
import {
  GLOBAL_USER_ID,
  gitlabHeaders,
  INSTANCE_ID,
  instanceToken,
  settingsFor,
  TOKEN_PATH,
} from './gitlab.ts'
import { gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import { bodyOf, newModelServer } from './model-server-client.ts'
import type { Target } from './target.ts'
import { messageStream } from './wire/anthropic.ts'
import { chatStream } from './wire/openai.ts'
import { sseChunks, sseFrame, SSE_HEADERS } from './wire/sse.ts'

const ANTHROPIC_KEY = 'sk-ant-operator-SECRET-5d4c'
const OPENAI_KEY = 'sk-openai-operator-SECRET-3b2a'
const PROXY_UP = 'ai_gateway_model_provider_proxy'
const MESSAGES = '/v1/proxy/anthropic/v1/messages'
const CHAT = '/v1/proxy/openai/v1/chat/completions'

const anthropicFrames = messageStream(['Hello ', 'from Claude'])
const openAiFrames = chatStream(['Hello ', 'from GPT'])

/** The headers Rails hands the agent with the token (direct access `headers`, gitlab-client §3.3). */
function agentHeaders(
  token: string,
  unitPrimitive: string | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    'X-Gitlab-Authentication-Type': 'oidc',
    'Content-Type': 'application/json',
    'x-gitlab-host-name': 'gitlab.example.com',
    'x-gitlab-instance-id': INSTANCE_ID,
    'x-gitlab-realm': 'self-managed',
    'x-gitlab-version': '18.9.0',
    'x-gitlab-global-user-id': GLOBAL_USER_ID,
    'x-gitlab-deployment-type': 'self-managed',
    'x-gitlab-user-id': '7',
    ...extra,
  }
  if (unitPrimitive !== undefined) headers['x-gitlab-unit-primitive'] = unitPrimitive
  return headers
}

export function proxyUserTokenContract(target: Target) {
  describe(`provider proxy with a user access token (third-party agents) [${target.runtime}]`, () => {
    const start = gatewayFactory(target)

    async function setUp() {
      const [issuer, server] = [await newIssuer(), await newModelServer()]
      const providers = {
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        OPENAI_BASE_URL: `${server.url}/v1`,
        OPENAI_API_KEY: OPENAI_KEY,
      }
      const gateway = await start(settingsFor(issuer, providers))
      await server.script(
        { match: '/v1/messages', headers: SSE_HEADERS, chunks: sseChunks(anthropicFrames) },
        { match: '/v1/chat/completions', headers: SSE_HEADERS, chunks: sseChunks(openAiFrames) },
      )
      /** What Rails does: the instance token (with `scopes`) exchanged at our own endpoint. */
      const mint = async (scopes: string[]) => {
        const instance = await instanceToken(issuer, '18.x', { scopes })
        const response = await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(instance) })
        expect(response.status).toBe(200)
        return ((await response.json()) as { token: string }).token
      }
      const call = (path: string, headers: Record<string, string>, body: unknown) =>
        gateway.fetch(path, { method: 'POST', headers, body: JSON.stringify(body) })
      return { server, gateway, mint, call }
    }

    it('Anthropic: the minted token streams a message through, the provider getting the operator key and nothing of the caller', async () => {
      const { server, gateway, mint, call } = await setUp()
      const token = await mint(['complete_code', PROXY_UP])
      const body = {
        model: 'claude-sonnet-4-6',
        max_tokens: 64,
        stream: true,
        messages: [{ role: 'user', content: 'Say hello' }],
      }
      const response = await call(
        MESSAGES,
        agentHeaders(token, PROXY_UP, { 'anthropic-version': '2023-06-01' }),
        body,
      )
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
      expect(await response.text()).toBe(anthropicFrames.map(sseFrame).join(''))

      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/messages')
      expect(bodyOf(received)).toEqual(body)
      expect(received.headers['x-api-key']).toBe(ANTHROPIC_KEY)
      expect(received.headers['anthropic-version']).toBe('2023-06-01')
      expect(received.headers.authorization).toBeUndefined()
      expect(Object.keys(received.headers).filter((h) => h.startsWith('x-gitlab'))).toEqual([])
      expect(JSON.stringify(received.headers)).not.toContain(token)
      const logs = gateway.logs().join('\n')
      for (const secret of [token, ANTHROPIC_KEY, OPENAI_KEY]) expect(logs).not.toContain(secret)
    })

    it('OpenAI: the same token streams a chat completion with the operator key as bearer', async () => {
      const { server, mint, call } = await setUp()
      const token = await mint([PROXY_UP])
      const body = { model: 'gpt-5', stream: true, messages: [{ role: 'user', content: 'Say hello' }] }
      const response = await call(CHAT, agentHeaders(token, PROXY_UP), body)
      expect(response.status).toBe(200)
      expect(await response.text()).toBe(openAiFrames.map(sseFrame).join(''))
      const received = await server.onlyRequest()
      expect([received.path, received.headers.authorization]).toEqual([
        '/v1/chat/completions',
        `Bearer ${OPENAI_KEY}`,
      ])
      expect(bodyOf(received)).toEqual(body)
    })

    it("refuses a minted token without ai_gateway_model_provider_proxy, and a header naming another primitive, with GitLab's bodies", async () => {
      const { server, mint, call } = await setUp()
      const body = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }
      const codeOnly = await mint(['complete_code', 'duo_chat'])
      const proxy = await mint(['complete_code', PROXY_UP])
      const cases: [string, string | undefined, number, string][] = [
        // The instance token had duo_chat, but a user token only ever carries what it was minted for.
        [codeOnly, PROXY_UP, 403, `Unauthorized to access ${PROXY_UP}`],
        [codeOnly, 'duo_chat', 403, 'Unauthorized to access duo_chat'],
        [proxy, 'duo_chat', 403, 'Unauthorized to access duo_chat'],
        [proxy, 'complete_code', 400, 'This endpoint cannot be used for complete_code purpose'],
        [proxy, 'provider_proxy', 400, 'Unknown unit primitive header provider_proxy'],
        [proxy, undefined, 400, 'Missing x-gitlab-unit-primitive header'],
      ]
      for (const [token, unitPrimitive, status, detail] of cases) {
        for (const path of [MESSAGES, CHAT]) {
          const response = await call(
            path,
            agentHeaders(token, unitPrimitive),
            path === CHAT ? { ...body, model: 'gpt-5' } : body,
          )
          expect([response.status, await response.json()], `${path} ${String(unitPrimitive)}`).toEqual([
            status,
            { detail },
          ])
        }
      }
      // The token is one user's: another user id is refused before any scope check.
      const other = await call(
        MESSAGES,
        agentHeaders(proxy, PROXY_UP, { 'x-gitlab-global-user-id': 'someone-else' }),
        body,
      )
      expect([other.status, await other.json()]).toEqual([
        401,
        { error: "Header mismatch 'X-Gitlab-Global-User-Id'" },
      ])
      expect(await server.requests()).toEqual([])
    })
  })
}
