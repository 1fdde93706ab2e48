/**
 * Who may use classic Duo Chat (gitlab-client §3.4, §4.2; spec features §5.1, §5.2): GitLab 18.x
 * signs classic chat for `duo_classic_chat`, and newer instances give a user that primitive without
 * `duo_chat` (which then means Agentic Chat). Such a token uses every classic chat route: the ReAct
 * agent, the slash commands of `/v1/chat/*` and the question categorization Rails sends after each
 * answer. A 17.x/18.x token with only `duo_chat` still does; one with neither gets today's 403.
 */
import { describe, expect, it } from 'vitest'
import { answers, codeSetup } from '../code/harness.ts'
import { gitlabHeaders, instanceToken } from '../gitlab.ts'
import { chatV1Body, invokeBody } from '../prompts/fixtures.ts'
import type { Target } from '../target.ts'
import { CHAT_PATH, chatBody, events, expectStreamedAnswer, says } from './harness.ts'

const CLASSIC_ONLY = ['duo_classic_chat']
const CHAT_ONLY = ['duo_chat']
/** A token for everything but classic chat (code, the proxy, the other slash commands' primitives). */
const NEITHER = [
  'complete_code',
  'generate_code',
  'ai_gateway_model_provider_proxy',
  'explain_vulnerability',
  'summarize_comments',
  'troubleshoot_job',
]

/** The invokables of `/v1/chat/*` that are classic chat (GitLab's table: `duo_chat`). */
const CLASSIC_INVOKABLES = ['agent', 'explain_code', 'write_tests', 'refactor_code', 'fix_code']

const CATEGORIZE = '/v1/prompts/categorize_question'
const categorizeInputs = { question: 'How do I rebase my branch?', previous_answer: 'Use git rebase main.' }

export function classicChatAccessContract(target: Target) {
  describe(`classic Duo Chat: duo_classic_chat or duo_chat [${target.runtime}]`, () => {
    const setUp = codeSetup(target)

    async function caller() {
      const setup = await setUp()
      const as = async (scopes: string[], path: string, body: unknown) => {
        const token = await instanceToken(setup.issuer, '18.x', { scopes })
        return setup.gateway.fetch(path, {
          method: 'POST',
          headers: gitlabHeaders(token),
          body: JSON.stringify(body),
        })
      }
      return { ...setup, as }
    }

    it('/v2/chat/agent: either primitive chats; neither is refused with "Unauthorized to access duo chat"', async () => {
      const { server, endpoint, as } = await caller()
      await server.script(says(['Final Answer: Hi']))
      for (const scopes of [CLASSIC_ONLY, CHAT_ONLY])
        expectStreamedAnswer(await events(await as(scopes, CHAT_PATH, chatBody(endpoint))), 'Hi')
      const refused = await as(NEITHER, CHAT_PATH, chatBody(endpoint))
      expect([refused.status, await refused.json()]).toEqual([
        403,
        { detail: 'Unauthorized to access duo chat' },
      ])
      expect(await server.requests()).toHaveLength(2)
    })

    it('/v1/chat/{agent,explain_code,...,fix_code}: either primitive; neither gets "Unauthorized to access duo_chat"', async () => {
      const { server, endpoint, as } = await caller()
      await server.script(answers('ok'))
      for (const invokable of CLASSIC_INVOKABLES) {
        for (const scopes of [CLASSIC_ONLY, CHAT_ONLY]) {
          const allowed = await as(scopes, `/v1/chat/${invokable}`, chatV1Body(endpoint))
          const answer = [allowed.status, await allowed.json()]
          expect(answer, `${invokable} ${scopes.join()}`).toEqual([
            200,
            expect.objectContaining({ response: 'ok' }),
          ])
        }
        const refused = await as(NEITHER, `/v1/chat/${invokable}`, chatV1Body(endpoint))
        expect([refused.status, await refused.json()], invokable).toEqual([
          403,
          { detail: 'Unauthorized to access duo_chat' },
        ])
      }
      expect(await server.requests()).toHaveLength(CLASSIC_INVOKABLES.length * 2)
    })

    it('grants nothing beyond classic chat: the other slash commands keep their own primitives', async () => {
      const { server, endpoint, as } = await caller()
      await server.script(answers('never'))
      for (const invokable of ['explain_vulnerability', 'summarize_comments', 'troubleshoot_job']) {
        const refused = await as(
          [...CLASSIC_ONLY, ...CHAT_ONLY],
          `/v1/chat/${invokable}`,
          chatV1Body(endpoint),
        )
        expect([refused.status, await refused.json()], invokable).toEqual([
          403,
          { detail: `Unauthorized to access ${invokable}` },
        ])
      }
      expect(await server.requests()).toEqual([])
    })

    it('/v1/prompts/categorize_question (Rails 18.x signs it for duo_classic_chat): either primitive; neither is refused', async () => {
      const { server, endpoint, as } = await caller()
      await server.script(
        answers('{"category": "Documentation about GitLab", "detailed_category": "Rebase"}'),
      )
      for (const scopes of [CLASSIC_ONLY, CHAT_ONLY]) {
        const allowed = await as(scopes, CATEGORIZE, invokeBody(endpoint, categorizeInputs))
        expect(allowed.status, scopes.join()).toBe(200)
        expect(await allowed.json()).toContain('Rebase')
      }
      const refused = await as(NEITHER, CATEGORIZE, invokeBody(endpoint, categorizeInputs))
      expect([refused.status, await refused.json()]).toEqual([
        403,
        { detail: "Unauthorized to access 'categorize_question'" },
      ])
      expect(await server.requests()).toHaveLength(2)
    })

    it('17.x and 18.x instance tokens keep chatting on every classic route', async () => {
      const { server, endpoint, issuer, gateway } = await caller()
      for (const generation of ['17.x', '18.x'] as const) {
        const headers = gitlabHeaders(await instanceToken(issuer, generation))
        await server.script(says(['Final Answer: Hi']))
        const chat = await gateway.fetch(CHAT_PATH, {
          method: 'POST',
          headers,
          body: JSON.stringify(chatBody(endpoint)),
        })
        expectStreamedAnswer(await events(chat), 'Hi')
        await server.script(answers('ok'))
        for (const path of ['/v1/chat/explain_code', CATEGORIZE]) {
          const body = path === CATEGORIZE ? invokeBody(endpoint, categorizeInputs) : chatV1Body(endpoint)
          const response = await gateway.fetch(path, { method: 'POST', headers, body: JSON.stringify(body) })
          expect(response.status, `${generation} ${path}`).toBe(200)
        }
      }
    })
  })
}
