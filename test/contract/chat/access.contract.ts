/**
 * `POST /v2/chat/agent`: who may chat and with what (spec features §5.2 Auth, §0.3; gitlab-client
 * §3.4): the chat primitive, the `include_<category>_context` primitives, the tools each token
 * and GitLab version is offered (in the prompt, and as actions the gateway lets through), and
 * the 400/422 answers to bodies GitLab would never send. No refusal reaches the model server.
 */
import { describe, expect, it } from 'vitest'
import { gitlabHeaders, instanceToken } from '../gitlab.ts'
import type { Target } from '../target.ts'
import {
  ask,
  CHAT_PATH,
  chatBody,
  chatSetup,
  CONTEXT_CATEGORIES,
  events,
  expectStreamedAnswer,
  pending,
  says,
  TOOLS,
  upstreamMessages,
  type ChatSetup,
} from './harness.ts'

const detailOf = async (response: Response) => ((await response.json()) as { detail: unknown }).detail

/** The tool names the system prompt offers, out of all seven. */
async function offered(setup: ChatSetup, index: number): Promise<string[]> {
  const system = upstreamMessages((await setup.server.requests())[index]!)[0]!
  expect(system.role).toBe('system')
  return TOOLS.map((t) => t.name).filter((name) => new RegExp(`\\b${name}\\b`).test(system.content))
}

const UNGATED = TOOLS.filter((t) => !t.gated).map((t) => t.name)
const ALL = TOOLS.map((t) => t.name)

export function chatAccessContract(target: Target) {
  describe(`/v2/chat/agent: scopes, tools, refused bodies [${target.runtime}]`, () => {
    const setUp = chatSetup(target)

    it('needs duo_chat or duo_classic_chat (403 "Unauthorized to access duo chat"); 17.x and 18.x tokens chat', async () => {
      const { server, endpoint, chatAs, issuer, gateway } = await setUp()
      await server.script(says(['Final Answer: Hi']))
      for (const scopes of [[], ['complete_code', 'generate_code', 'ask_issue', 'documentation_search']]) {
        const refused = await chatAs(scopes, chatBody(endpoint))
        expect(refused.status, scopes.join()).toBe(403)
        expect(await refused.json()).toEqual({ detail: 'Unauthorized to access duo chat' })
      }
      expect(await server.requests()).toEqual([])
      for (const scopes of [['duo_chat'], ['duo_classic_chat'], ['duo_chat', 'duo_classic_chat']]) {
        expectStreamedAnswer(await events(await chatAs(scopes, chatBody(endpoint))), 'Hi')
      }
      // The tokens GitLab 17.x and 18.x instances sign, with their own scope lists.
      for (const generation of ['17.x', '18.x'] as const) {
        const token = await instanceToken(issuer, generation)
        const response = await gateway.fetch(CHAT_PATH, {
          method: 'POST',
          headers: gitlabHeaders(token),
          body: JSON.stringify(chatBody(endpoint)),
        })
        expectStreamedAnswer(await events(response), 'Hi')
      }
      expect(await server.requests()).toHaveLength(5)
    })

    it('needs include_<category>_context for each additional context category, unknown categories too (403 naming it, never 500)', async () => {
      const { server, endpoint, chatAs } = await setUp()
      await server.script(says(['Final Answer: Hi']))
      const withContext = (...categories: string[]) =>
        chatBody(endpoint, [
          ask('Explain', {
            additional_context: categories.map((category, i) => ({
              category,
              id: `c${i}`,
              content: `content of ${category}`,
              metadata: {},
            })),
          }),
        ])
      const refused = await chatAs(['duo_chat'], withContext('file'))
      expect(refused.status).toBe(403)
      expect(await refused.json()).toEqual({ detail: 'Unauthorized to access include_file_context' })
      for (const category of CONTEXT_CATEGORIES) {
        const others = CONTEXT_CATEGORIES.filter((c) => c !== category).map((c) => `include_${c}_context`)
        const response = await chatAs(['duo_chat', ...others], withContext(category))
        expect(response.status, category).toBe(403)
        expect(await response.json(), category).toEqual({
          detail: `Unauthorized to access include_${category}_context`,
        })
      }
      const unknown = await chatAs(['duo_chat', 'include_file_context'], withContext('file', 'secret_sauce'))
      expect(unknown.status).toBe(403)
      expect(await unknown.json()).toEqual({ detail: 'Unauthorized to access include_secret_sauce_context' })
      expect(await server.requests()).toEqual([])

      // With every primitive, every category reaches the prompt.
      const all = CONTEXT_CATEGORIES.map((c) => `include_${c}_context`)
      expectStreamedAnswer(
        await events(await chatAs(['duo_chat', ...all], withContext(...CONTEXT_CATEGORIES))),
        'Hi',
      )
      const user = upstreamMessages(await server.onlyRequest())[1]!
      for (const category of CONTEXT_CATEGORIES) expect(user.content).toContain(`content of ${category}`)
    })

    it('offers each tool only with its unit primitive', async () => {
      const setup = await setUp()
      await setup.server.script(says(['Final Answer: Hi']))
      await events(await setup.chatAs(['duo_chat'], chatBody(setup.endpoint)))
      expect(await offered(setup, 0)).toEqual([])
      for (const [i, tool] of TOOLS.entries()) {
        await events(await setup.chatAs(['duo_chat', tool.primitive], chatBody(setup.endpoint)))
        expect(await offered(setup, i + 1), tool.name).toEqual([tool.name])
      }
    })

    it('offers build_reader, merge_request_reader and commit_reader only to GitLab 17.5.0-pre and later (X-Gitlab-Version)', async () => {
      const setup = await setUp()
      await setup.server.script(says(['Final Answer: Hi']))
      const cases: [string | undefined, string[]][] = [
        [undefined, UNGATED],
        ['', UNGATED],
        ['17.4.2', UNGATED],
        ['17.5.0-pre', ALL],
        ['17.5.0', ALL],
        ['17.10.0', ALL],
        ['18.2.1', ALL],
      ]
      for (const [i, [version, tools]] of cases.entries()) {
        await events(await setup.chat(chatBody(setup.endpoint), { 'x-gitlab-version': version }))
        expect(await offered(setup, i), `X-Gitlab-Version ${String(version)}`).toEqual(tools)
      }
    })

    it('lets through only actions on offered tools: others become an error event "tool not available"', async () => {
      const { server, endpoint, chat, chatAs } = await setUp()
      const action = (tool: string) =>
        says([`I should look.\nAction: ${tool}\nAction Input: 42`], {}, { times: 1 })
      const notAvailable = { type: 'error', data: { message: 'tool not available', retryable: false } }
      const ask42 = chatBody(endpoint, [ask('What about 42?'), pending()])

      await server.script(action('epic_reader'))
      expect(
        (await events(await chatAs(['duo_chat', 'ask_issue'], ask42))).filter((e) => e.type !== 'usage'),
      ).toEqual([notAvailable])
      await server.script(action('commit_reader'))
      expect(
        (await events(await chat(ask42, { 'x-gitlab-version': '17.4.0' }))).filter((e) => e.type !== 'usage'),
      ).toEqual([notAvailable])
      await server.script(action('commit_reader'))
      expect((await events(await chat(ask42, { 'x-gitlab-version': '17.5.0-pre' })))[0]).toEqual({
        type: 'action',
        data: { tool: 'commit_reader', tool_input: '42', thought: 'I should look.' },
      })
      await server.script(action('delete_everything'))
      expect((await events(await chat(ask42))).filter((e) => e.type !== 'usage')).toEqual([notAvailable])
    })

    it('answers 400 to an agent_scratchpad on a user message', async () => {
      const { server, endpoint, chat } = await setUp()
      for (const scratchpad of [
        [{ action: { thought: 't', tool: 'issue_reader', tool_input: '#1' }, observation: 'o' }],
        [],
      ]) {
        const response = await chat(chatBody(endpoint, [ask('Hi', { agent_scratchpad: scratchpad })]))
        expect(response.status).toBe(400)
        expect(await response.json()).toEqual({
          detail: 'agent_scratchpad can only be present when role is ASSISTANT',
        })
      }
      expect(await server.requests()).toEqual([])
    })

    it('answers 422 to a body without messages (or the legacy prompt), without a self-hosted model, or not JSON', async () => {
      const { server, endpoint, chat } = await setUp()
      const { messages: _messages, ...noMessages } = chatBody(endpoint)
      const { model_metadata: _metadata, ...noModel } = chatBody(endpoint)
      const bodies: [string, unknown][] = [
        ['no messages', noMessages],
        ['messages not a list', { ...noMessages, messages: 'Hi' }],
        [
          'legacy body without its prompt',
          {
            options: { agent_scratchpad: { agent_type: 'react', steps: [] } },
            model_metadata: noMessages.model_metadata,
          },
        ],
        ['not JSON', '{"messages": ['],
      ]
      for (const [what, body] of bodies) {
        const response = await chat(body)
        expect(response.status, what).toBe(422)
        expect(typeof (await detailOf(response)), what).toBe('string')
      }
      for (const [what, body] of [
        ['no model_metadata', noModel],
        ['model_metadata null', { ...noModel, model_metadata: null }],
      ] as const) {
        const response = await chat(body)
        expect(response.status, what).toBe(422)
        expect(await detailOf(response), what).toMatch(/model_metadata/)
      }
      expect(await server.requests()).toEqual([])
    })
  })
}
