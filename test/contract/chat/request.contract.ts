/**
 * `POST /v2/chat/agent`: what reaches the model server for the bodies GitLab sends (spec features
 * §5.2, §4.4; gitlab-client §3.4): the ReAct prompt (system with the tools, the conversation with
 * its context, the `Thought:` prefill carrying the tool steps), each family's parameters, the
 * older body shapes; and the two turns of the ReAct loop as Rails drives it.
 */
import { describe, expect, it } from 'vitest'
import { bodyOf } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { MODEL_KEY } from '../code/fixtures.ts'
import { expectNoSecrets } from '../code/harness.ts'
import {
  ask,
  chatBody,
  chatMetadata,
  chatSetup,
  delta,
  events,
  expectStreamedAnswer,
  pending,
  says,
  TOOLS,
  upstreamMessages,
  usage,
  UPSTREAM_MODEL,
  type Json,
  type ToolStep,
} from './harness.ts'

const ISSUE_STEP: ToolStep = {
  thought: 'I need to read the issue first.',
  tool: 'issue_reader',
  tool_input: '#12',
  observation: 'Issue #12: Billing totals are wrong. Opened by alice.',
}

/** The positions of `parts` in `text`, which must appear in this order. */
function expectInOrder(text: string, parts: string[]): void {
  let from = 0
  for (const part of parts) {
    const at = text.indexOf(part, from)
    expect(at, `${JSON.stringify(part)} (in order) in ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0)
    from = at + part.length
  }
}

/** The last upstream message: the assistant prefill the model continues. */
function prefillOf(messages: { role: string; content: string }[]): string {
  const last = messages.at(-1)!
  expect(last.role).toBe('assistant')
  expect(last.content.trimEnd().endsWith('Thought:'), JSON.stringify(last.content)).toBe(true)
  return last.content
}

export function chatRequestContract(target: Target) {
  describe(`/v2/chat/agent: the prompt and the ReAct loop [${target.runtime}]`, () => {
    const setUp = chatSetup(target)

    it('answers a chat turn of a self-hosted Mistral: the ReAct prompt upstream, the final answer streamed back', async () => {
      const { server, endpoint, chat, gateway } = await setUp()
      await server.script(says(['The user asks about a file.\nFinal Answer: ', 'It sums', ' the prices.']))
      const conversation = [
        ask('How do I rebase?'),
        { role: 'assistant', content: 'Use git rebase -i.' },
        ask('Explain this file', {
          context: { type: 'issue', title: 'Billing totals are wrong' },
          current_file: {
            file_path: 'app/billing.py',
            data: 'def total(items): return 0',
            selected_code: true,
          },
          additional_context: [
            { category: 'file', id: 'app/models.py', content: 'class Item: price = 0', metadata: {} },
          ],
        }),
        pending(),
      ]
      const list = await events(await chat(chatBody(endpoint, conversation)))
      expect(list).toEqual([delta('It sums'), delta(' the prices.'), delta('', 'stop'), usage(21, 3)])

      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/chat/completions')
      expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
      const body = bodyOf(received)
      expect(body).toMatchObject({
        model: UPSTREAM_MODEL,
        stream: true,
        temperature: 0.1,
        max_tokens: 8192,
        stop: ['Observation:'],
        continue_final_message: true,
        add_generation_prompt: false,
      })
      const messages = upstreamMessages(received)
      // The trailing `content: null` message is the prefill, not a message of its own.
      expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant'])
      const [system, first, answer, question] = messages
      for (const tool of TOOLS) expect(system!.content).toContain(tool.name)
      expect(system!.content).toContain('Vulnerabilities')
      expect(first!.content).toContain('How do I rebase?')
      expect(answer!.content).toContain('Use git rebase -i.')
      for (const part of [
        'Explain this file',
        'Billing totals are wrong',
        'app/billing.py',
        'def total(items): return 0',
        'class Item: price = 0',
      ]) {
        expect(question!.content).toContain(part)
      }
      expect(prefillOf(messages).trim()).toBe('Thought:')
      expectNoSecrets(gateway, JSON.stringify(list))
    })

    it('runs a tool turn (one action event), then the second turn with the observation in the prefill, whose answer streams', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(
        says([`${ISSUE_STEP.thought}\nAction: issue_reader\n`, 'Action Input: #12'], {}, { times: 1 }),
        says(['I have what I need.\nFinal Answer: Issue #12 ', 'is about billing.']),
      )
      const first = await events(await chat(chatBody(endpoint, [ask('Summarize issue #12')])))
      expect(first).toEqual([
        { type: 'action', data: { tool: 'issue_reader', tool_input: '#12', thought: ISSUE_STEP.thought } },
        usage(21, 2),
      ])

      // Rails runs the tool and re-posts the conversation with the step it took.
      const second = await events(
        await chat(chatBody(endpoint, [ask('Summarize issue #12'), pending([ISSUE_STEP])])),
      )
      expectStreamedAnswer(second, 'Issue #12 is about billing.')

      const [turn1, turn2] = await server.requests()
      expect(prefillOf(upstreamMessages(turn1!)).trim()).toBe('Thought:')
      const messages = upstreamMessages(turn2!)
      expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant'])
      const prefill = prefillOf(messages)
      expectInOrder(prefill, [
        `Thought: ${ISSUE_STEP.thought}`,
        'Action: issue_reader',
        'Action Input: #12',
        `Observation: ${ISSUE_STEP.observation}`,
        'Thought:',
      ])
    })

    it('renders every step of a longer loop in order, and takes the options.agent_scratchpad of older Rails', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Final Answer: done']))
      const docs: ToolStep = {
        thought: 'Check the docs too.',
        tool: 'gitlab_documentation',
        tool_input: 'rebase',
        observation: 'Rebasing rewrites history.',
      }
      await events(await chat(chatBody(endpoint, [ask('Summarize issue #12'), pending([ISSUE_STEP, docs])])))
      expectInOrder(prefillOf(upstreamMessages((await server.requests())[0]!)), [
        `Thought: ${ISSUE_STEP.thought}`,
        'Action: issue_reader',
        'Action Input: #12',
        `Observation: ${ISSUE_STEP.observation}`,
        `Thought: ${docs.thought}`,
        'Action: gitlab_documentation',
        'Action Input: rebase',
        `Observation: ${docs.observation}`,
        'Thought:',
      ])

      // Older Rails sends the steps in options (and may leave no trailing assistant message).
      const legacy = chatBody(endpoint, [ask('Summarize issue #12')], {
        options: { agent_scratchpad: { agent_type: 'react', steps: [ISSUE_STEP] } },
      })
      expectStreamedAnswer(await events(await chat(legacy)), 'done')
      const messages = upstreamMessages((await server.requests())[1]!)
      expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant'])
      expectInOrder(prefillOf(messages), [
        'Action: issue_reader',
        `Observation: ${ISSUE_STEP.observation}`,
        'Thought:',
      ])
    })

    it('follows GitLab on scratchpad details: options win over the trailing message, steps without an action are skipped, \\_ is un-escaped', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Final Answer: done']))
      const trailing = pending([{ ...ISSUE_STEP, observation: 'from the trailing message' }])
      const both = chatBody(endpoint, [ask('Summarize issue #12'), trailing], {
        options: { agent_scratchpad: { agent_type: 'react', steps: [ISSUE_STEP] } },
      })
      await events(await chat(both))
      const fromOptions = prefillOf(upstreamMessages((await server.requests())[0]!))
      expect(fromOptions).toContain(ISSUE_STEP.observation)
      expect(fromOptions).not.toContain('from the trailing message')

      const escaped = {
        role: 'assistant',
        content: null,
        agent_scratchpad: [
          { action: null, observation: 'an observation without an action' },
          {
            action: { thought: 'Read the\\_issue.', tool: 'issue\\_reader', tool_input: '#12' },
            observation: 'Issue #12: ok',
          },
        ],
      }
      await events(await chat(chatBody(endpoint, [ask('Summarize issue #12'), escaped])))
      const prefill = prefillOf(upstreamMessages((await server.requests())[1]!))
      expect(prefill).not.toContain('an observation without an action')
      expectInOrder(prefill, [
        'Thought: Read the_issue.',
        'Action: issue_reader',
        'Observation: Issue #12: ok',
        'Thought:',
      ])
    })

    it('accepts the 17.1–17.2 body ({prompt, options}, no messages) and answers the same way', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Easy.\nFinal Answer: ', 'It sums the prices.']))
      const legacy = {
        prompt: 'Explain this file',
        options: {
          chat_history: [
            { role: 'user', content: 'How do I rebase?' },
            { role: 'assistant', content: 'Use git rebase -i.' },
          ],
          agent_scratchpad: { agent_type: 'react', steps: [] },
          context: { type: 'issue', content: 'Billing totals are wrong' },
          current_file: {
            file_path: 'app/billing.py',
            data: 'def total(items): return 0',
            selected_code: true,
          },
          additional_context: [],
        },
        model_metadata: chatMetadata(endpoint),
        unavailable_resources: ['Pipelines', 'Vulnerabilities'],
      }
      expectStreamedAnswer(await events(await chat(legacy)), 'It sums the prices.')
      const messages = upstreamMessages(await server.onlyRequest())
      expect(messages[0]?.role).toBe('system')
      const history = messages
        .slice(1, -2)
        .map((m) => m.content)
        .join('\n')
      expect(history).toContain('How do I rebase?')
      expect(history).toContain('Use git rebase -i.')
      const question = messages.at(-2)!
      expect(question.role).toBe('user')
      for (const part of ['Explain this file', 'app/billing.py', 'def total(items): return 0'])
        expect(question.content).toContain(part)
      expect(prefillOf(messages).trim()).toBe('Thought:')

      // Its ReAct steps, and its model metadata without an identifier (17.1–17.2 had none).
      const again = {
        ...legacy,
        options: { ...legacy.options, agent_scratchpad: { agent_type: 'react', steps: [ISSUE_STEP] } },
        model_metadata: { provider: 'openai', name: 'mistral', endpoint, api_key: MODEL_KEY },
      }
      expectStreamedAnswer(await events(await chat(again)), 'It sums the prices.')
      expectInOrder(prefillOf(upstreamMessages((await server.requests())[1]!)), [
        'Action: issue_reader',
        `Observation: ${ISSUE_STEP.observation}`,
        'Thought:',
      ])
    })

    it("sends each family's parameters: max_tokens, stop, vLLM's continue_final_message for the Mistral models", async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Final Answer: ok']))
      const vllmFlags = { continue_final_message: true, add_generation_prompt: false }
      const cases: [string, string, Json, boolean][] = [
        [
          'mistral',
          'custom_openai/mistralai/Mistral-7B-Instruct-v0.3',
          { max_tokens: 8192, stop: ['Observation:'] },
          true,
        ],
        [
          'mixtral',
          'custom_openai/mistralai/Mixtral-8x7B-Instruct-v0.1',
          { max_tokens: 8192, stop: ['Observation:'] },
          true,
        ],
        [
          'codestral',
          'custom_openai/mistralai/Codestral-22B-v0.1',
          { max_tokens: 8192, stop: ['Observation:'] },
          true,
        ],
        [
          'llama3',
          'custom_openai/meta-llama/Llama-3.3-70B-Instruct',
          { max_tokens: 4096, stop: ['Observation:'] },
          false,
        ],
        ['gpt', 'custom_openai/openai/gpt-oss-120b', { max_tokens: 8192 }, false],
      ]
      for (const [name, identifier, params, flags] of cases) {
        const body = chatBody(endpoint, [ask('Hi'), pending()], {
          model_metadata: chatMetadata(endpoint, { name, identifier }),
        })
        expectStreamedAnswer(await events(await chat(body)), 'ok')
        const received = (await server.requests()).at(-1)!
        const sent = bodyOf(received)
        expect(sent, name).toMatchObject({
          model: identifier.slice(identifier.indexOf('/') + 1),
          stream: true,
          temperature: 0.1,
          ...params,
        })
        if (name === 'gpt') expect(sent.stop ?? [], name).toEqual([])
        for (const [key, value] of Object.entries(vllmFlags))
          expect(sent[key], `${name} ${key}`).toBe(flags ? value : undefined)
        expect(prefillOf(upstreamMessages(received)).trim(), name).toBe('Thought:')
      }
    })
  })
}
