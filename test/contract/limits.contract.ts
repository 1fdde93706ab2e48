/**
 * What the gateway holds and how long it waits, against model servers that abuse it: answers
 * larger than AIGW_UPSTREAM__MAX_RESPONSE_BYTES (whole, one event, a chat turn's thought, one
 * line of a generation), and streams that never end or never say anything within
 * AIGW_UPSTREAM__STREAM_TIMEOUT_S / __FIRST_OUTPUT_TIMEOUT_S. Every case ends with a clear error
 * in the route's format and the model call closed, never a buffered whole or an open socket;
 * large answers that stream keep streaming.
 */
import { describe, expect, it } from 'vitest'
import { ask, chatSetup, eventsUntilEnd, parseEvents, says, types } from './chat/harness.ts'
import { ideCompletion, ideGeneration, v3Completion } from './code/fixtures.ts'
import { codeSetup, streams, text } from './code/harness.ts'
import { invokeBody } from './prompts/fixtures.ts'
import { PROMPT_SCOPES } from './prompts/fixtures.ts'
import type { Chunk } from './model-server-client.ts'
import type { Target } from './target.ts'
import { chatChunk, chatCompletion, chatStream } from './wire/openai.ts'
import { sseChunks, sseFrame, SSE_HEADERS } from './wire/sse.ts'

const LIMIT = 64 * 1024
const SMALL = { AIGW_UPSTREAM__MAX_RESPONSE_BYTES: String(LIMIT) }
const CHAT_PATH = '/v1/chat/completions'

/** `total` bytes of one JSON chat completion, sent in 16 KiB chunks. */
function hugeAnswer(
  total: number,
  declareLength: boolean,
): { headers: Record<string, string>; chunks: Chunk[] } {
  const body = JSON.stringify(chatCompletion('x'.repeat(total), 'stop'))
  const chunks: Chunk[] = []
  for (let at = 0; at < body.length; at += 16 * 1024) chunks.push({ text: body.slice(at, at + 16 * 1024) })
  return { headers: declareLength ? { 'content-length': String(body.length) } : {}, chunks }
}

/** An SSE comment every `everyMs`: bytes that reset an idle timer but are no output. */
function keepAlives(count: number, everyMs: number): Chunk[] {
  return Array.from({ length: count }, () => ({ text: ': keep-alive\n\n', delayMs: everyMs }))
}

/** Reads a streamed body to its end; a broken connection (the raw-text formats' failure) resolves 'broken'. */
async function readOrBroken(response: Response): Promise<string> {
  try {
    return await text(response)
  } catch {
    return 'broken'
  }
}

export function limitsContract(target: Target) {
  describe(`limits on what a model server sends [${target.runtime}]`, () => {
    const setUp = codeSetup(target)
    const chatUp = chatSetup(target)

    it('answers 502 naming AIGW_UPSTREAM__MAX_RESPONSE_BYTES for a non-streamed answer above it, and stops reading', async () => {
      for (const declareLength of [false, true]) {
        const { server, endpoint, post } = await setUp(SMALL)
        await server.script({
          match: CHAT_PATH,
          ...hugeAnswer(4 * LIMIT, declareLength),
          hang: !declareLength,
        })
        const response = await post('/v2/code/completions', ideCompletion(endpoint))
        expect(response.status, `content-length declared: ${declareLength}`).toBe(502)
        const { detail } = (await response.json()) as { detail: string }
        expect(detail).toMatch(
          new RegExp(
            `^The model server at 127\\.0\\.0\\.1:\\d+ sent an answer larger than ${LIMIT} bytes \\(AIGW_UPSTREAM__MAX_RESPONSE_BYTES\\)`,
          ),
        )
        // Not retried: a larger answer will not come out smaller.
        expect(await server.requests()).toHaveLength(1)
        if (!declareLength) expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
      }
    })

    it('takes a non-streamed answer just under the limit whole', async () => {
      const { server, endpoint, post } = await setUp(SMALL)
      await server.script({ match: CHAT_PATH, ...hugeAnswer(LIMIT - 1024, false) })
      const response = await post('/v2/code/completions', ideCompletion(endpoint))
      expect(response.status).toBe(200)
      expect(JSON.stringify(await response.json())).toContain('x'.repeat(1000))
    })

    it('ends a stream whose single event is larger than the limit, after what came before it', async () => {
      const { server, endpoint, post } = await setUp(SMALL)
      const frames = chatStream(['def total', '(items):'])
      const giant = sseFrame({ data: chatChunk({ content: 'y'.repeat(2 * LIMIT) }) })
      await server.script({
        match: CHAT_PATH,
        headers: SSE_HEADERS,
        chunks: [
          ...sseChunks(frames.slice(0, 2)),
          ...Array.from({ length: 8 }, (_, i) => ({
            text: giant.slice(i * LIMIT * 0.25, (i + 1) * LIMIT * 0.25),
          })),
        ],
        hang: true,
      })
      const response = await post('/v2/code/completions', ideCompletion(endpoint, { stream: true }))
      expect(response.status).toBe(200)
      expect(await readOrBroken(response)).toBe('broken')
      expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
    })

    it('Duo Chat: a thought larger than the limit without an answer or a tool ends the turn with an error event', async () => {
      const { server, endpoint, chat } = await chatUp(SMALL)
      const pieces = Array.from({ length: 40 }, () => 'I am still thinking about it. '.repeat(100))
      await server.script({ ...says(pieces), hang: true })
      const response = await chat({
        messages: [ask('Hi')],
        model_metadata: { provider: 'openai', name: 'mistral', endpoint, identifier: 'custom_openai/m' },
      })
      const events = await eventsUntilEnd(response)
      expect(types(events)).toEqual(['error'])
      expect(events[0]!.data).toEqual({
        message: expect.stringContaining('AIGW_UPSTREAM__MAX_RESPONSE_BYTES'),
        retryable: false,
      })
      expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
    })

    it('Duo Chat: an answer far larger than the limit streams through whole (the answer itself is never held)', async () => {
      const { server, endpoint, chat } = await chatUp(SMALL)
      const piece = 'All good here. '.repeat(200)
      await server.script(says(['Thought: easy\nFinal Answer: ', ...Array.from({ length: 60 }, () => piece)]))
      const response = await chat({
        messages: [ask('Hi')],
        model_metadata: { provider: 'openai', name: 'mistral', endpoint, identifier: 'custom_openai/m' },
      })
      const events = parseEvents(await text(response))
      const answer = events
        .filter((e) => e.type === 'final_answer_delta')
        .map((e) => e.data.text)
        .join('')
      expect(answer.length).toBeGreaterThan(2 * LIMIT)
      expect(answer).toBe(piece.repeat(60).trim())
      expect(types(events)).not.toContain('error')
    })

    it('code generation: a line longer than the limit goes out in parts instead of being held whole', async () => {
      const { server, endpoint, post } = await setUp(SMALL)
      const long = 'z'.repeat(3 * LIMIT)
      await server.script({
        match: CHAT_PATH,
        headers: SSE_HEADERS,
        chunks: sseChunks(chatStream(['x = 1\n', ...long.match(/.{1,4096}/g)!, '\ny = 2\n'])),
      })
      const response = await post('/v2/code/generations', ideGeneration(endpoint, { stream: true }))
      expect(response.status).toBe(200)
      expect(await text(response)).toBe(`x = 1\n${long}\ny = 2\n`)
    })
  })

  describe(`stream clocks [${target.runtime}]`, () => {
    const setUp = codeSetup(target)
    const chatUp = chatSetup(target)
    const quickFirstOutput = { AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S: '0.6' }
    const quickWhole = { AIGW_UPSTREAM__STREAM_TIMEOUT_S: '0.8' }

    it('v2 and v4 code streams: output-less bytes do not keep the stream open past AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S', async () => {
      for (const [path, body] of [
        ['/v2/code/completions', (endpoint: string) => ideCompletion(endpoint, { stream: true })],
        ['/v4/code/suggestions', (endpoint: string) => v3Completion(endpoint, { stream: true })],
      ] as const) {
        const { server, endpoint, post, gateway } = await setUp(quickFirstOutput)
        await server.script({ match: CHAT_PATH, headers: SSE_HEADERS, chunks: keepAlives(100, 100) })
        const response = await post(path, body(endpoint))
        expect(response.status).toBe(200)
        const started = performance.now()
        expect(await readOrBroken(response), path).toBe('broken')
        expect(performance.now() - started).toBeLessThan(5_000)
        expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
        expect(gateway.logs().join('\n')).toContain('AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S')
      }
    })

    it('v2 code stream: a model that keeps talking is cut at AIGW_UPSTREAM__STREAM_TIMEOUT_S, after what it said', async () => {
      const { server, endpoint, post } = await setUp(quickWhole)
      await server.script({
        ...streams(
          Array.from({ length: 100 }, (_, i) => `w${i} `),
          { delayMs: 100 },
        ),
      })
      const response = await post('/v2/code/completions', ideCompletion(endpoint, { stream: true }))
      const reader = response.body!.getReader()
      let received = ''
      let broken = false
      for (;;) {
        try {
          const { done, value } = await reader.read()
          if (done) break
          received += new TextDecoder().decode(value)
        } catch {
          broken = true
          break
        }
      }
      expect(broken).toBe(true)
      expect(received).toMatch(/^w0 w1 /)
      expect(received).not.toContain('w99')
      expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
    })

    it('Duo Chat: a model that never reaches an answer ends with an error event naming the setting', async () => {
      const { server, endpoint, chat } = await chatUp(quickFirstOutput)
      await server.script({
        match: CHAT_PATH,
        headers: SSE_HEADERS,
        chunks: sseChunks(chatStream(Array.from({ length: 100 }, () => 'hmm ')), 100),
      })
      const response = await chat({
        messages: [ask('Hi')],
        model_metadata: { provider: 'openai', name: 'mistral', endpoint, identifier: 'custom_openai/m' },
      })
      const events = await eventsUntilEnd(response)
      expect(types(events)).toEqual(['error'])
      expect(events[0]!.data).toEqual({
        message: expect.stringContaining('AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S'),
        retryable: false,
      })
      expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
    })

    it('prompts v2 stream: output-less bytes end the stream at the first-output clock', async () => {
      const { server, endpoint, post } = await setUp(quickFirstOutput, '18.x', { scopes: PROMPT_SCOPES })
      await server.script({ match: CHAT_PATH, headers: SSE_HEADERS, chunks: keepAlives(100, 100) })
      const response = await post(
        '/v2/prompts/model_configuration%2Fcheck',
        invokeBody(endpoint, {}, { stream: true }),
      )
      expect(response.status).toBe(200)
      expect(await readOrBroken(response)).toBe('broken')
      expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
    })

    it('leaves a stream that answers in time alone', async () => {
      const { server, endpoint, post } = await setUp({
        ...quickFirstOutput,
        AIGW_UPSTREAM__STREAM_TIMEOUT_S: '5',
      })
      await server.script({ ...streams(['a', 'b', 'c'], { delayMs: 150 }) })
      const response = await post('/v2/code/completions', ideCompletion(endpoint, { stream: true }))
      expect(await text(response)).toBe('abc')
    })
  })
}
