/**
 * `POST /v2/chat/agent` when things go wrong, and on Anthropic (spec features §5.2 `error` event,
 * §0.4 last row; gitlab-client §3.4): an upstream that breaks, reports an error mid-stream, refuses
 * the call or goes quiet ends the answer with one `error` event after what was already said (never
 * a key, never a usage line); a client that hangs up frees the model server; Claude streams the
 * same events, and only its overloaded errors are retryable.
 */
import { describe, expect, inject, it } from 'vitest'
import { bodyOf, type ModelServer } from '../model-server-client.ts'
import { within } from '../providers/streams.ts'
import type { Target } from '../target.ts'
import { MODEL_KEY } from '../code/fixtures.ts'
import { expectNoSecrets } from '../code/harness.ts'
import { messageStart, contentBlockStart, messageStream, streamError, textDelta } from '../wire/anthropic.ts'
import { chatCompletion, chatStream, openAiError, vllmStreamError } from '../wire/openai.ts'
import { sseChunks, SSE_HEADERS, type SseFrame } from '../wire/sse.ts'
import {
  ask,
  chatBody,
  chatMetadata,
  chatSetup,
  contentText,
  delta,
  events,
  eventsUntilEnd,
  expectStreamedAnswer,
  pending,
  TOOLS,
  types,
  usage,
  type ChatEvent,
} from './harness.ts'

const COMPLETIONS = '/v1/chat/completions'

/** The fake sends `frames`, then breaks the connection (`destroy`) or keeps it open (`hang`). */
const sends = (match: string, frames: SseFrame[], end: 'destroy' | 'hang' | 'end' = 'end') => ({
  match,
  headers: SSE_HEADERS,
  chunks: sseChunks(frames),
  destroy: end === 'destroy',
  hang: end === 'hang',
})

/** The first frames of a chat stream: the role chunk and one delta per text, no finish, no usage. */
const startOf = (texts: string[]) => chatStream(texts, { usage: null }).slice(0, texts.length + 1)

/** The error event, checked: a message without secrets, and whether Rails may retry. */
function errorOf(list: ChatEvent[], retryable: boolean): string {
  const last = list.at(-1)!
  expect(last.type).toBe('error')
  expect(last.data.retryable).toBe(retryable)
  const message = last.data.message as string
  expect(message).not.toBe('')
  expect(message).not.toContain(MODEL_KEY)
  expect(message).not.toMatch(/\n\s+at /) // no stack trace
  return message
}

/** A self-hosted Claude at the fake, as an administrator configures it (18.x `api` provider). */
const claude = (server: ModelServer) =>
  chatMetadata(server.url, { provider: 'api', name: 'claude_3', identifier: 'anthropic/claude-sonnet-4-5' })

export function chatFailuresContract(target: Target) {
  describe(`/v2/chat/agent: failures, hang-ups, Anthropic [${target.runtime}]`, () => {
    const setUp = chatSetup(target)
    const question = (endpoint: string) => chatBody(endpoint, [ask('How do I squash commits?'), pending()])

    it('ends with one error event after the deltas already sent when the model server breaks the connection; no usage', async () => {
      const { server, endpoint, chat, gateway } = await setUp()
      await server.script(sends(COMPLETIONS, startOf(['Final Answer: Hel', 'lo']), 'destroy'))
      const list = await eventsUntilEnd(await chat(question(endpoint)))
      expect(list.slice(0, -1)).toEqual([delta('Hel'), delta('lo')])
      errorOf(list, false)

      // A tool turn that breaks before its end announces no action.
      await server.script(
        sends(COMPLETIONS, startOf(['Need it.\nAction: issue_reader\nAction Input: #12']), 'destroy'),
      )
      const broken = await eventsUntilEnd(await chat(question(endpoint)))
      expect(types(broken)).toEqual(['error'])
      errorOf(broken, false)
      expectNoSecrets(gateway, JSON.stringify([list, broken]))
    })

    it('ends with one error event when vLLM reports an error inside the stream, without the key it echoed', async () => {
      const { server, endpoint, chat, gateway } = await setUp()
      await server.script(
        sends(
          COMPLETIONS,
          [
            ...startOf(['Final Answer: Hel']),
            { data: vllmStreamError(`KV cache exhausted for ${MODEL_KEY}`) },
          ],
          'end',
        ),
      )
      const list = await eventsUntilEnd(await chat(question(endpoint)))
      expect(list.slice(0, -1)).toEqual([delta('Hel')])
      errorOf(list, false)
      expectNoSecrets(gateway, JSON.stringify(list))
    })

    it('answers 200 with a single error event naming the host and status when the model server refuses the call (401, 500); no retry', async () => {
      const { server, endpoint, chat, gateway } = await setUp()
      const host = new URL(server.url).host
      const refusals = [
        [401, openAiError(`Incorrect API key provided: ${MODEL_KEY}`)],
        [500, openAiError(`crashed with ${MODEL_KEY}`, 'server_error')],
      ] as const
      for (const [status, error] of refusals) {
        await server.script({ match: COMPLETIONS, status, chunks: [{ text: JSON.stringify(error) }] })
        const list = await eventsUntilEnd(await chat(question(endpoint)))
        expect(types(list), String(status)).toEqual(['error'])
        const message = errorOf(list, false)
        expect(message).toContain(host)
        expect(message).toContain(String(status))
      }
      expect(await server.requests()).toHaveLength(2)
      expectNoSecrets(gateway)
    })

    it('answers 200 with a single error event naming the host when the model server cannot be reached', async () => {
      const { chat, gateway } = await setUp()
      const refusing = inject('refusingUrl')
      const list = await eventsUntilEnd(
        await chat(chatBody(refusing, [ask('Hi')], { model_metadata: chatMetadata(`${refusing}/v1`) })),
      )
      expect(types(list)).toEqual(['error'])
      expect(errorOf(list, false)).toContain(new URL(refusing).host)
      expectNoSecrets(gateway)
    })

    it('ends a stream that goes quiet for AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S with an error event, and closes the upstream call', async () => {
      const { server, endpoint, chat } = await setUp({ AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S: '0.3' })
      await server.script(sends(COMPLETIONS, startOf(['Final Answer: Hi']), 'hang'))
      const list = await eventsUntilEnd(await chat(question(endpoint)))
      expect(list.slice(0, -1)).toEqual([delta('Hi')])
      errorOf(list, false)
      await server.waitForEarlyClose()
    })

    it('forwards the first delta while the model is still generating; a client hang-up closes the upstream call', async () => {
      const { server, endpoint, chat } = await setUp()
      await server.script(sends(COMPLETIONS, startOf(['Thinking.\nFinal Answer: Hel']), 'hang'))
      const response = await chat(question(endpoint))
      expect(response.status).toBe(200)
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
      let received = ''
      while (!received.includes('\n')) {
        const next = await within(reader.read(), 5000)
        if (next === 'still waiting' || next.done)
          throw new Error(
            `the first delta was not forwarded while the model was generating (got ${JSON.stringify(received)})`,
          )
        received += next.value
      }
      expect(received).toBe(
        '{"type": "final_answer_delta", "data": {"text": "Hel", "finish_reason": null}}\n',
      )
      await reader.cancel()
      const closed = await server.waitForEarlyClose()
      expect(closed.path).toBe(COMPLETIONS)
    })

    it('calls the model once without streaming under AIGW_CUSTOM_MODELS__DISABLE_STREAMING and sends the same events', async () => {
      const { server, endpoint, chat } = await setUp({ AIGW_CUSTOM_MODELS__DISABLE_STREAMING: 'true' })
      const whole = chatCompletion('Sure.\nFinal Answer: Use git rebase -i.  ', 'stop', {
        prompt: 30,
        completion: 12,
      })
      await server.script({ match: COMPLETIONS, chunks: [{ text: JSON.stringify(whole) }] })
      const list = await events(await chat(question(endpoint)))
      expectStreamedAnswer(list, 'Use git rebase -i.')
      expect(list.at(-1)).toEqual(usage(30, 12))
      expect(bodyOf(await server.onlyRequest()).stream).toBe(false)
    })

    describe('Anthropic', () => {
      it('calls the Messages API for anthropic/<model> at the endpoint, with the prefill Claude accepts, and streams the same events', async () => {
        const { server, chat, gateway } = await setUp()
        await server.script(
          sends(
            '/v1/messages',
            messageStream(['I know.\nFinal Ans', 'wer: Bonjour', ' à tous', ' !\n'], {
              inputTokens: 40,
              outputTokens: 9,
            }),
          ),
        )
        const list = await events(
          await chat(
            chatBody(server.url, [ask('Say hello in French'), pending()], { model_metadata: claude(server) }),
          ),
        )
        const deltas = list.filter((e) => e.type === 'final_answer_delta')
        expect(deltas.slice(0, -1)).toEqual([delta('Bonjour'), delta(' à tous'), delta(' !')])
        expect(deltas.at(-1)?.data).toEqual({ text: '', finish_reason: expect.any(String) })
        const last = list.at(-1)!
        expect(last.type).toBe('usage')
        expect(Object.values(last.data.usage as object)).toEqual([{ input_tokens: 40, output_tokens: 9 }])

        const received = await server.onlyRequest()
        expect(received).toMatchObject({ path: '/v1/messages', headers: { 'x-api-key': MODEL_KEY } })
        const body = bodyOf(received)
        expect(body).toMatchObject({
          model: 'claude-sonnet-4-5',
          stream: true,
          temperature: 0.1,
          max_tokens: 8192,
          stop_sequences: ['Observation:'],
        })
        const system = contentText(body.system)
        for (const tool of TOOLS) expect(system).toContain(tool.name)
        const messages = body.messages as { role: string; content: unknown }[]
        expect(messages.map((m) => m.role)).toEqual(['user', 'assistant'])
        expect(contentText(messages[0]!.content)).toContain('Say hello in French')
        // Anthropic refuses a final assistant message that ends in whitespace.
        expect(contentText(messages[1]!.content)).toBe('Thought:')
        expectNoSecrets(gateway)
      })

      it('sends Claude 4.6 and later, which refuse a prefill, the prefill as a user message of context (as GitLab does)', async () => {
        const { server, chat } = await setUp()
        await server.script(sends('/v1/messages', messageStream(['Final Answer: Hi'])))
        const newer = chatMetadata(server.url, {
          provider: 'api',
          name: 'claude_3',
          identifier: 'anthropic/claude-sonnet-4-6',
        })
        const list = await events(
          await chat(chatBody(server.url, [ask('Hi'), pending()], { model_metadata: newer })),
        )
        expect(list[0]).toEqual(delta('Hi'))
        const messages = bodyOf(await server.onlyRequest()).messages as { role: string; content: unknown }[]
        expect(messages.map((m) => m.role)).toEqual(['user', 'user'])
        expect(contentText(messages[1]!.content)).toBe('[Previous assistant context]: Thought:')
      })

      it("ends with an error event on Claude's event: error mid-stream: retryable only when overloaded", async () => {
        const { server, chat, gateway } = await setUp()
        const body = chatBody(server.url, [ask('Hi'), pending()], { model_metadata: claude(server) })
        const start = [messageStart(25), contentBlockStart(), textDelta('Final Answer: Hi')]
        for (const [type, message, retryable] of [
          ['overloaded_error', 'Overloaded', true],
          ['api_error', 'Internal server error', false],
        ] as const) {
          await server.script(sends('/v1/messages', [...start, streamError(type, message)]))
          const list = await eventsUntilEnd(await chat(body))
          expect(list.slice(0, -1), type).toEqual([delta('Hi')])
          errorOf(list, retryable)
        }
        expectNoSecrets(gateway)
      })
    })
  })
}
