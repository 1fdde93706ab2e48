/**
 * `POST /v2/chat/agent`: the NDJSON events a model output turns into (spec features §5.2
 * Response and parsing rules, §0.5; gitlab-client §3.4): final answers streamed as trimmed deltas
 * whatever the chunk boundaries (inside `Final Answer:`, inside multi-byte characters), one action
 * or one unknown at the end, the closing finish reason, usage last; every line in Python's bytes.
 */
import { describe, expect, it } from 'vitest'
import type { Step } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { byteChunks, chatStream, sseText } from '../wire/openai.ts'
import { SSE_HEADERS } from '../wire/sse.ts'
import {
  answerOf,
  ask,
  chatBody,
  chatMetadata,
  chatSetup,
  delta,
  events,
  expectStreamedAnswer,
  pending,
  says,
  types,
  usage,
  type ChatEvent,
} from './harness.ts'

/** A model output whose answer has non-ASCII (2-, 3- and 4-byte UTF-8), Markdown, inner blank lines and whitespace around it. */
const OUTPUT =
  'The user wants a rebase.\nFinal Answer:  Grüße aus Köln — 日本語 🎉\n\n```sh\ngit rebase -i HEAD~3\n```\n  \n'
const ANSWER = 'Grüße aus Köln — 日本語 🎉\n\n```sh\ngit rebase -i HEAD~3\n```'

/** `text` cut into two pieces at every UTF-16 position that does not split a surrogate pair. */
function everyCut(text: string): [string, string][] {
  const cuts: [string, string][] = []
  for (let at = 1; at < text.length; at++) {
    const code = text.charCodeAt(at)
    if (code >= 0xdc00 && code <= 0xdfff) continue
    cuts.push([text.slice(0, at), text.slice(at)])
  }
  return cuts
}

const withoutUsage = (list: ChatEvent[]) => list.filter((e) => e.type !== 'usage')

export function chatEventsContract(target: Target) {
  describe(`/v2/chat/agent: events [${target.runtime}]`, () => {
    const setUp = chatSetup(target)
    const question = (endpoint: string) => chatBody(endpoint, [ask('How do I squash commits?'), pending()])

    it('sends one final_answer_delta per upstream delta once Final Answer: is seen, then the finish reason, then usage', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(
        says(['I know this.\nAction: DirectAnswer\n', 'Final Answer: Use', ' git rebase', ' -i.'], {
          usage: { prompt: 812, completion: 64 },
        }),
      )
      expect(await events(await chat(question(endpoint)))).toEqual([
        delta('Use'),
        delta(' git rebase'),
        delta(' -i.'),
        delta('', 'stop'),
        usage(812, 64),
      ])
    })

    it('trims the answer: leading whitespace never sent, trailing whitespace held back until more text follows', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Final Answer:', ' ', '\n Hi', ' ', '\n', 'there', '  \n', '\n']))
      expect(await events(await chat(question(endpoint)))).toEqual([
        delta('Hi'),
        delta(' \nthere'),
        delta('', 'stop'),
        usage(21, 8),
      ])
    })

    it('writes each line as Python json.dumps does: ", " and ": ", non-ASCII as \\uXXXX, newlines escaped', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Final Answer: Grüße', '\n"🎉"\ttab\\'], { usage: null }))
      const response = await chat(question(endpoint))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
      expect(await response.text()).toBe(
        '{"type": "final_answer_delta", "data": {"text": "Gr\\u00fc\\u00dfe", "finish_reason": null}}\n' +
          '{"type": "final_answer_delta", "data": {"text": "\\n\\"\\ud83c\\udf89\\"\\ttab\\\\", "finish_reason": null}}\n' +
          '{"type": "final_answer_delta", "data": {"text": "", "finish_reason": "stop"}}\n',
      )
    })

    it('finds Final Answer: split across chunks anywhere, and streams the same trimmed answer for every cut of the output', async () => {
      const { server, endpoint, chat } = await setUp()
      const splits = [
        ['Thought about it.\nFinal Ans', 'wer: Hi there'],
        ['Thought about it.\nFinal', ' Answer: Hi', ' there'],
        ['Thought about it.\nFinal Answer', ':', ' Hi there'],
        ['Thought about it.\nF', 'inal Answer:', ' ', 'Hi there'],
        ['Thought about it.\nFinal Answer:', ' Hi', ' ', 'there'],
        [...'Thought.\nFinal Answer: Hi there'],
      ]
      await server.script(...splits.map((texts) => says(texts, {}, { times: 1 })))
      for (const texts of splits) {
        const list = await events(await chat(question(endpoint)))
        expect(answerOf(list), JSON.stringify(texts)).toBe('Hi there')
        expectStreamedAnswer(list, 'Hi there')
      }

      const cuts = everyCut(OUTPUT)
      await server.script(...cuts.map((texts) => says(texts, {}, { times: 1 })))
      for (const texts of cuts) {
        const list = await events(await chat(question(endpoint)))
        expect(answerOf(list), JSON.stringify(texts)).toBe(ANSWER)
        expectStreamedAnswer(list, ANSWER)
      }
    })

    it('qwen: leaves its <think> block out, whatever the cuts, and delivers a short answer the prefix check still held', async () => {
      const { server, endpoint, chat } = await setUp()
      const qwen = (messages: unknown[]) => ({
        ...chatBody(endpoint, messages as never),
        model_metadata: chatMetadata(endpoint, { name: 'qwen' }),
      })
      const thinking =
        '<think>\nThe user asks about squashing. Final Answer: is not what I say here.\n</think>\n'
      const outputs: [string[], string][] = [
        [[thinking, 'Final Answer: Use git rebase -i.'], 'Use git rebase -i.'],
        [[...`${thinking}Final Answer: Hi`], 'Hi'],
        [['Final Answer: Hi'], 'Hi'], // 16 characters: shorter than the orphan </think> rule waits for
        [['Thought: ok</think>Final Answer: after an orphan close'], 'after an orphan close'],
      ]
      await server.script(...outputs.map(([texts]) => says(texts, {}, { times: 1 })))
      for (const [texts, answer] of outputs) {
        const list = await events(await chat(qwen([ask('How do I squash commits?'), pending()])))
        expect(answerOf(list), JSON.stringify(texts.slice(0, 3))).toBe(answer)
      }
    })

    it('streams the same answer when every code point is its own upstream delta', async () => {
      const { server, endpoint, chat } = await setUp()
      const pieces = [...OUTPUT]
      await server.script(says(pieces))
      const list = await events(await chat(question(endpoint)))
      expectStreamedAnswer(list, ANSWER)
      // Nothing is batched: each non-space code point of the answer came in its own delta.
      expect(list.filter((e) => e.type === 'final_answer_delta').length - 1).toBe(
        [...ANSWER.trim()].filter((c) => c.trim() !== '').length,
      )
    })

    it('decodes UTF-8 cut anywhere in the upstream bytes (inside characters, SSE lines and JSON)', async () => {
      const { server, endpoint, chat } = await setUp()
      const wire = sseText(chatStream(['Hmm.\nFinal Answer: ', 'Grüße — 日本語 🎉', ' fin']))
      for (const size of [2, 5, 11]) {
        const step: Step = {
          match: '/v1/chat/completions',
          headers: SSE_HEADERS,
          chunks: byteChunks(wire, size),
        }
        await server.script(step)
        expectStreamedAnswer(await events(await chat(question(endpoint))), 'Grüße — 日本語 🎉 fin')
      }
    })

    it('passes on the finish reason of a cut-off answer, and sends no usage line when the model reported none', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Final Answer: The first', ' half'], { finishReason: 'length', usage: null }))
      expect(await events(await chat(question(endpoint)))).toEqual([
        delta('The first'),
        delta(' half'),
        delta('', 'length'),
      ])
    })

    it('ends a tool turn with exactly one action event (thought, tool, input), then usage', async () => {
      const { server, endpoint, chat } = await setUp()
      const output =
        'I need the merge request.\nAction: merge_request_reader\nAction Input: !7 in acme/payments'
      const cases = [
        [output],
        [...output],
        [
          'I need the merge request.\nAct',
          'ion: merge_request_reader\nAction In',
          'put: !7 in acme/payments\n',
        ],
      ]
      await server.script(
        ...cases.map((texts) => says(texts, { usage: { prompt: 500, completion: 20 } }, { times: 1 })),
      )
      for (const texts of cases) {
        expect(await events(await chat(question(endpoint))), JSON.stringify(texts)).toEqual([
          {
            type: 'action',
            data: {
              tool: 'merge_request_reader',
              tool_input: '!7 in acme/payments',
              thought: 'I need the merge request.',
            },
          },
          usage(500, 20),
        ])
      }
    })

    it('reads tool names as GitLab does: MergeRequestReader is merge_request_reader, \\_ is _', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(
        says(['Look at it.\nAction: MergeRequestReader\nAction Input: !7'], {}, { times: 1 }),
        says(['Look at it.\nAction: issue\\_reader\nAction Input: #12'], {}, { times: 1 }),
      )
      expect(withoutUsage(await events(await chat(question(endpoint))))).toEqual([
        { type: 'action', data: { tool: 'merge_request_reader', tool_input: '!7', thought: 'Look at it.' } },
      ])
      expect(withoutUsage(await events(await chat(question(endpoint))))).toEqual([
        { type: 'action', data: { tool: 'issue_reader', tool_input: '#12', thought: 'Look at it.' } },
      ])
    })

    it('prefers a Final Answer to an action in the same output', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(
        says(['Maybe a tool.\nAction: issue_reader\nAction Input: #12\n', 'Final Answer: No tool needed.']),
      )
      expectStreamedAnswer(await events(await chat(question(endpoint))), 'No tool needed.')
    })

    it('answers an output that is neither with one unknown event holding the whole output, then usage', async () => {
      const { server, endpoint, chat } = await setUp()
      const outputs = [
        ['You can squash', ' with git rebase -i.'],
        ['I will use a tool.\nAction: issue_reader'],
        ['Final', ' answer is not', ' the marker'],
        ['Grüße 🎉\nline two'],
      ]
      await server.script(...outputs.map((texts) => says(texts, {}, { times: 1 })))
      for (const texts of outputs) {
        const list = await events(await chat(question(endpoint)))
        expect(list, texts.join('')).toEqual([
          { type: 'unknown', data: { text: texts.join('') } },
          usage(21, texts.length),
        ])
      }
    })

    it('answers an empty model output with one empty unknown event', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says([], { usage: null }))
      expect(await events(await chat(question(endpoint)))).toEqual([{ type: 'unknown', data: { text: '' } }])
    })

    it('never sends an action, unknown or non-empty delta for an empty Final Answer', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(says(['Nothing to add.\nFinal Answer:', '  \n']))
      const list = await events(await chat(question(endpoint)))
      expect(types(list).filter((t) => t !== 'final_answer_delta' && t !== 'usage')).toEqual([])
      expect(list.filter((e) => e.type === 'final_answer_delta' && e.data.text !== '')).toEqual([])
    })
  })
}
