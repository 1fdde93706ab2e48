/**
 * The Bedrock Converse wire format against the fake model server: real event-stream frames in,
 * neutral events out; the exact request Bedrock would receive, its SigV4 signature recomputed
 * independently (test/contract/wire/sigv4-verify.ts), bearer keys, and missing credentials.
 */
import { AwsV4Signer } from 'aws4fetch'
import { describe, expect, it } from 'vitest'
import { createBedrockFormat, type BedrockOptions } from '../../../src/providers/bedrock.ts'
import {
  EventTooLarge,
  ModelStreamError,
  ProviderSetupError,
  type ModelCall,
  type ModelEvent,
} from '../../../src/model-call/types.ts'
import type { WireFormat } from '../../../src/providers/wire-format.ts'
import { bodyOf, newModelServer, type Chunk, type ModelServer } from '../model-server-client.ts'
import * as wire from '../wire/bedrock.ts'
import { asSent, verifySigV4 } from '../wire/sigv4-verify.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'
import { drain, sleep } from './streams.ts'

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE//session+token='
const CROSS_REGION_ID = 'us.meta.llama3-3-70b-instruct-v1:0'
const ARN =
  'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0'
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5)
const SIGV4: BedrockOptions = {
  region: 'eu-west-3',
  accessKeyId: ACCESS_KEY_ID,
  secretAccessKey: SECRET,
  now: () => NOW,
}

/** Bedrock's parse and events do not depend on the call. */
const ANY_CALL = {} as ModelCall

export function bedrockContract(target: ProviderTarget) {
  describe(`bedrock wire format [${target.runtime}]`, () => {
    const callFor = (
      server: ModelServer,
      extra: Partial<TestCall> = {},
      model = CROSS_REGION_ID,
    ): ModelCall => ({
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
      ...extra,
      target: {
        format: 'bedrock',
        provider: 'bedrock',
        upstreamModel: model,
        endpoint: server.url,
        requestSuppliedEndpoint: false,
        ...extra.target,
      },
    })
    const send = async (format: WireFormat, call: ModelCall) =>
      sendUpstream(target.fetch, requestOf(format, call))
    const streamed = async (...chunks: Chunk[]) => {
      const server = await newModelServer()
      await server.script({ headers: wire.EVENT_STREAM_HEADERS, chunks })
      const format = createBedrockFormat(SIGV4)
      const response = await send(format, callFor(server))
      expect(response.status).toBe(200)
      return drain(format.events(response.body!, ANY_CALL, LIMITS))
    }
    const answer: ModelEvent[] = [
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'text', text: ' wörld' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 11, outputTokens: 7 } },
    ]
    const frames = wire.converseStream(['Hel', 'lo', '', ' wörld'])

    it('streams one text event per delta, in order, then finish and usage', async () => {
      expect(await streamed(...wire.frameChunks(frames))).toEqual({ events: answer })
    })

    it('decodes the same when frames are split across chunks or packed into one', async () => {
      for (const size of [3, 17])
        expect(await streamed(...wire.splitChunks(frames, size))).toEqual({ events: answer })
      expect(await streamed(wire.packedChunk(frames))).toEqual({ events: answer })
      const bytes = wire.concat(frames)
      const third = Math.floor(bytes.byteLength / 3)
      const pieces = [bytes.subarray(0, third), bytes.subarray(third, 2 * third), bytes.subarray(2 * third)]
      expect(await streamed(...pieces.map((p) => ({ base64: wire.toBase64(p), delayMs: 5 })))).toEqual({
        events: answer,
      })
    })

    it('is not buffered: the first delta arrives while the upstream is still sending', async () => {
      const server = await newModelServer()
      await server.script({
        headers: wire.EVENT_STREAM_HEADERS,
        chunks: wire.frameChunks(frames.slice(0, 3)),
        hang: true,
      })
      const format = createBedrockFormat(SIGV4)
      const reader = format.events((await send(format, callFor(server))).body!, ANY_CALL, LIMITS).getReader()
      const first = await Promise.race([reader.read(), sleep(5000).then(() => 'still waiting' as const)])
      expect(first).toEqual({ done: false, value: { type: 'text', text: 'Hel' } })
      await reader.cancel()
      expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
    })

    it('errors the stream with ModelStreamError on an exception frame, after the text already delivered', async () => {
      // One chunk: the text and the exception are decoded together, and the text must still come first.
      const { events, error } = await streamed(
        wire.packedChunk([
          ...frames.slice(0, 3),
          wire.exceptionFrame('throttlingException', 'Too many requests'),
          ...frames.slice(3),
        ]),
      )
      expect(events).toEqual([{ type: 'text', text: 'Hel' }])
      expect(error).toBeInstanceOf(ModelStreamError)
      expect((error as Error).message).toBe('throttlingException: Too many requests')
    })

    it('errors the stream on a corrupted CRC, a truncated last frame, or an absurd length', async () => {
      const bad = await streamed(
        wire.packedChunk([...frames.slice(0, 3), wire.corrupted(wire.textDelta('lo')), ...frames.slice(4)]),
      )
      expect(bad.events).toEqual([{ type: 'text', text: 'Hel' }])
      expect(bad.error).toBeInstanceOf(ModelStreamError)
      expect((bad.error as Error).message).toMatch(/checksum/)

      const last = frames.at(-1)!
      const truncated = await streamed(
        wire.packedChunk([...frames.slice(0, -1), last.subarray(0, last.byteLength - 5)]),
      )
      expect(truncated.events).toEqual(answer.slice(0, 4))
      expect(truncated.error).toBeInstanceOf(ModelStreamError)

      const prelude = (length: number) => {
        const bytes = new Uint8Array(12)
        new DataView(bytes.buffer).setUint32(0, length, false)
        return bytes
      }
      const tooShort = await streamed(wire.packedChunk([frames[2]!, prelude(15)]))
      expect(tooShort.events).toEqual([{ type: 'text', text: 'Hel' }])
      expect(tooShort.error).toBeInstanceOf(ModelStreamError)
      expect((tooShort.error as Error).message).toContain('claims 15 bytes')
      // Larger than AIGW_UPSTREAM__MAX_RESPONSE_BYTES: cut before a byte of it is held.
      for (const length of [0xffffffff, LIMITS.maxEventBytes + 1]) {
        const absurd = await streamed(wire.packedChunk([frames[2]!, prelude(length)]))
        expect(absurd.events).toEqual([{ type: 'text', text: 'Hel' }])
        expect(absurd.error).toBeInstanceOf(EventTooLarge)
      }
    })

    it('sends the Converse body and SigV4 headers to /model/<encoded id>/converse-stream', async () => {
      const server = await newModelServer()
      await server.script({ headers: wire.EVENT_STREAM_HEADERS, chunks: wire.frameChunks(frames) })
      const format = createBedrockFormat({ ...SIGV4, sessionToken: SESSION_TOKEN })
      const call = callFor(server, {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'system', content: 'Use Python.' },
          { role: 'user', content: 'Sort a list' },
          { role: 'assistant', content: 'sorted(xs)' },
        ],
        maxTokens: 256,
        temperature: 0.2,
        stop: ['\n\n'],
        extraBody: { top_k: 40 },
        headers: { 'x-gateway-tag': 'edge' },
      })
      await drain(format.events((await send(format, call)).body!, ANY_CALL, LIMITS))
      const received = await server.onlyRequest()
      expect(received.method).toBe('POST')
      expect(received.path).toBe('/model/us.meta.llama3-3-70b-instruct-v1%3A0/converse-stream')
      expect(bodyOf(received)).toEqual({
        messages: [
          { role: 'user', content: [{ text: 'Hi' }, { text: 'Sort a list' }] },
          { role: 'assistant', content: [{ text: 'sorted(xs)' }] },
        ],
        system: [{ text: 'Be brief.' }, { text: 'Use Python.' }],
        inferenceConfig: { maxTokens: 256, temperature: 0.2, stopSequences: ['\n\n'] },
        additionalModelRequestFields: { top_k: 40 },
      })
      expect(received.headers).toMatchObject({
        'content-type': 'application/json',
        accept: 'application/vnd.amazon.eventstream',
        'x-gateway-tag': 'edge',
        'x-amz-date': '20250102T030405Z',
        'x-amz-security-token': SESSION_TOKEN,
      })
      expect(received.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20250102\/eu-west-3\/bedrock\/aws4_request, /,
      )
      const check = await verifySigV4(asSent(received, server.url), SECRET)
      expect(check).toMatchObject({
        ok: true,
        accessKeyId: ACCESS_KEY_ID,
        scope: { date: '20250102', region: 'eu-west-3', service: 'bedrock' },
      })
      expect(check.signedHeaders).toEqual(
        expect.arrayContaining(['host', 'x-amz-date', 'x-amz-security-token', 'x-gateway-tag']),
      )
      expect(check.unsignedAmzHeaders).toEqual([])
    })

    it('signs the exact path on the wire for an ARN, and a signature over any other path fails the check', async () => {
      const server = await newModelServer()
      await server.script({ headers: wire.EVENT_STREAM_HEADERS, chunks: wire.frameChunks(frames) })
      const format = createBedrockFormat(SIGV4)
      await drain(
        format.events(
          (await send(format, callFor(server, { messages: [{ role: 'user', content: 'def f(' }] }, ARN)))
            .body!,
          ANY_CALL,
          LIMITS,
        ),
      )
      const received = await server.onlyRequest()
      expect(received.path).toBe(
        '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream',
      )
      expect(bodyOf(received)).toEqual({ messages: [{ role: 'user', content: [{ text: 'def f(' }] }] })
      const check = await verifySigV4(asSent(received, server.url), SECRET)
      expect(check.ok).toBe(true)
      expect(check.canonicalRequest.split('\n')[1]).toContain('/model/arn%253Aaws%253Abedrock%253A')

      // The mistake this guards against: signing the path encoded once (or not at all).
      const url = `${server.url}${received.path}`
      const misSigned = await new AwsV4Signer({
        ...{ method: 'POST', url, body: received.body, headers: { 'content-type': 'application/json' } },
        ...{
          accessKeyId: ACCESS_KEY_ID,
          secretAccessKey: SECRET,
          service: 'bedrock',
          region: 'eu-west-3',
          singleEncode: true,
        },
      }).sign()
      await target.fetch(
        new Request(misSigned.url, { method: 'POST', headers: misSigned.headers, body: received.body }),
      )
      const [, second] = await server.requests()
      expect(second!.path).toBe(received.path)
      expect((await verifySigV4(asSent(second!, server.url), SECRET)).ok).toBe(false)
    })

    it('sends a bearer key instead of SigV4: the model metadata key first, then AWS_BEARER_TOKEN_BEDROCK', async () => {
      const server = await newModelServer()
      await server.script({ headers: wire.EVENT_STREAM_HEADERS, chunks: wire.frameChunks(frames) })
      const format = createBedrockFormat({
        ...SIGV4,
        sessionToken: SESSION_TOKEN,
        bearerToken: 'ABSKgateway-key',
      })
      await drain(format.events((await send(format, callFor(server))).body!, ANY_CALL, LIMITS))
      const { upstreamModel, endpoint } = callFor(server).target
      const withKey = callFor(server, {
        target: {
          format: 'bedrock',
          provider: 'bedrock',
          upstreamModel,
          endpoint,
          apiKey: 'ABSKrequest-key',
          requestSuppliedEndpoint: false,
        },
      })
      await drain(format.events((await send(format, withKey)).body!, ANY_CALL, LIMITS))
      const [gatewayKey, requestKey] = await server.requests()
      expect(gatewayKey!.headers.authorization).toBe('Bearer ABSKgateway-key')
      expect(requestKey!.headers.authorization).toBe('Bearer ABSKrequest-key')
      for (const received of [gatewayKey!, requestKey!]) {
        expect(Object.keys(received.headers).filter((name) => name.startsWith('x-amz-'))).toEqual([])
        expect(received.path).toBe('/model/us.meta.llama3-3-70b-instruct-v1%3A0/converse-stream')
      }
    })

    it('throws ProviderSetupError naming the settings, without a secret and without calling upstream', async () => {
      const server = await newModelServer()
      for (const options of [
        { region: 'us-east-1' },
        { region: 'us-east-1', accessKeyId: ACCESS_KEY_ID, sessionToken: SESSION_TOKEN },
      ]) {
        const error = await requestOf(createBedrockFormat(options), callFor(server)).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(ProviderSetupError)
        const { message } = error as Error
        for (const setting of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_BEARER_TOKEN_BEDROCK'])
          expect(message).toContain(setting)
        expect(message).not.toContain(ACCESS_KEY_ID)
        expect(message).not.toContain(SESSION_TOKEN)
      }
      expect(await server.requests()).toEqual([])
    })

    it('parses a non-streaming Converse answer from /converse, and reads error bodies', async () => {
      const server = await newModelServer()
      await server.script(
        { match: '/model/us.meta', times: 1, chunks: [{ text: JSON.stringify(CONVERSE_ANSWER) }] },
        {
          status: 429,
          headers: {
            'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
          },
          chunks: [{ text: '{"message":"Too many requests, please wait before trying again."}' }],
        },
      )
      const format = createBedrockFormat(SIGV4)
      const response = await send(format, callFor(server, { stream: false }))
      expect(format.parse(await response.json(), ANY_CALL)).toEqual({
        text: 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)',
        finishReason: 'length',
        usage: { inputTokens: 25, outputTokens: 20 },
      })
      const received = await server.onlyRequest()
      expect(received.path).toBe('/model/us.meta.llama3-3-70b-instruct-v1%3A0/converse')
      expect(received.headers.accept).toBe('application/json')
      expect((await verifySigV4(asSent(received, server.url), SECRET)).ok).toBe(true)

      const failed = await send(format, callFor(server, { stream: false }, 'other-model'))
      expect(failed.status).toBe(429)
      expect(format.errorMessage(await failed.json())).toBe(
        'Too many requests, please wait before trying again.',
      )
      expect(format.errorMessage({ Message: 'User is not authorized' })).toBe('User is not authorized')
      expect(format.errorMessage('nope')).toBeUndefined()
    })

    it('maps every Converse stop reason', () => {
      const format = createBedrockFormat(SIGV4)
      const reasons = {
        end_turn: 'stop',
        stop_sequence: 'stop',
        max_tokens: 'length',
        content_filtered: 'content_filter',
        guardrail_intervened: 'content_filter',
        tool_use: 'tool_calls',
        model_context_window_exceeded: 'other',
      }
      for (const [stopReason, finishReason] of Object.entries(reasons)) {
        expect(
          format.parse(
            { output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason },
            ANY_CALL,
          ),
        ).toEqual({ text: 'x', finishReason })
      }
    })

    it('the signature verifier reproduces AWS published SigV4 test-suite signatures', async () => {
      const vector = (method: string, path: string, signature: string) => ({
        method,
        path,
        body: '',
        headers: {
          host: 'example.amazonaws.com',
          'x-amz-date': '20150830T123600Z',
          authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
        },
      })
      const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
      for (const [method, path, signature] of [
        ['GET', '/', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'], // get-vanilla
        [
          'GET',
          '/?Param2=value2&Param1=value1',
          'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
        ], // get-vanilla-query-order-key-case
        ['GET', '/ሴ', '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85'], // get-utf8
        ['POST', '/', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'], // post-vanilla
      ] as const) {
        expect((await verifySigV4(vector(method, path, signature), secret)).ok, `${method} ${path}`).toBe(
          true,
        )
      }
      expect(
        (
          await verifySigV4(
            vector('GET', '/other', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'),
            secret,
          )
        ).ok,
      ).toBe(false)
    })
  })
}

/** A Converse answer as Bedrock sends it (two text blocks, cut short by maxTokens). */
const CONVERSE_ANSWER = {
  output: {
    message: {
      role: 'assistant',
      content: [{ text: 'def fib(n):\n    return n if n < 2 else ' }, { text: 'fib(n - 1) + fib(n - 2)' }],
    },
  },
  stopReason: 'max_tokens',
  usage: { inputTokens: 25, outputTokens: 20, totalTokens: 45 },
  metrics: { latencyMs: 612 },
}
