/**
 * The cloud providers a self-hosted GitLab can name, end to end through the code routes
 * (gitlab-client §5.3, spec features §4.4): Anthropic (`anthropic/`), Amazon Bedrock (`bedrock/`,
 * SigV4 from the AWS_* settings, ConverseStream frames) and Vertex AI (`vertex_ai/`, a token
 * minted from the service-account key), with a generation on each non-OpenAI format.
 */
import { decodeJwt } from 'jose'
import { describe, expect, inject, it } from 'vitest'
import { bodyOf, type ModelServer, type Received } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { anthropicError, message, messageStream, textBlock } from '../wire/anthropic.ts'
import { converseStream, EVENT_STREAM_HEADERS, frameChunks } from '../wire/bedrock.ts'
import { asSent, verifySigV4 } from '../wire/sigv4-verify.ts'
import { GEMINI_SSE_HEADERS, geminiResponse, geminiSseChunks, googleError } from '../wire/vertex.ts'
import { ideGeneration, MODEL_KEY, v3Generation } from './fixtures.ts'
import { expectNoSecrets, sseEvents, text } from './harness.ts'
import {
  expectForwardedThenFreed,
  hangingStep,
  jsonStep,
  providerSetup,
  requestsTo,
  sseStep,
  suggestion,
  SUFFIX,
  V2_PREFIX,
  V3_PREFIX,
  v2Body,
  v3Body,
  type SelfHosted,
} from './providers-helpers.ts'

const ANSWER = 'return sum(i.price for i in items)'
const FENCED = '```python\ndef total(items):\n    return sum(i.price for i in items)\n```'
// GitLab's post-processing drops the fence lines and keeps the last line's newline.
const UNFENCED = 'def total(items):\n    return sum(i.price for i in items)\n'
const MISTRAL_STOP = ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]']

const ANTHROPIC_OPERATOR_KEY = 'sk-ant-operator-SECRET-0b7e'
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG+SECRET/bPxRfiCYEXAMPLEKEY'
const ACCESS_TOKEN = 'ya29.SECRET-access-token'
const VERTEX_MODELS = '/v1/projects/my-project/locations/us-central1/publishers'

const aws = (server: ModelServer) => ({
  AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
  AWS_REGION_NAME: 'eu-west-3',
  AWS_BEDROCK_RUNTIME_ENDPOINT: server.url,
})

/** The Vertex settings for a service account whose token endpoint is the fake, with `VERTEXAI_API_BASE` (a private endpoint) at the fake too. */
const vertex = (server: ModelServer) => {
  const key = {
    type: 'service_account',
    project_id: 'my-project',
    private_key_id: 'key-1',
    private_key: inject('gatewayKeys').signing,
    client_email: 'aigw@my-project.iam.gserviceaccount.com',
    token_uri: `${server.url}/token`,
  }
  return {
    AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT: 'my-project',
    VERTEXAI_LOCATION: 'us-central1',
    VERTEXAI_API_BASE: server.url,
    AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY: JSON.stringify(key),
  }
}
const tokenGrant = jsonStep('/token', { access_token: ACCESS_TOKEN, expires_in: 3600, token_type: 'Bearer' })

/** A whole Converse answer. */
const converseAnswer = (text: string) => ({
  output: { message: { role: 'assistant', content: [{ text }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 30, outputTokens: 9, totalTokens: 39 },
  metrics: { latencyMs: 210 },
})

/** The SigV4 signature of a request Bedrock received, recomputed with the secret. */
async function expectSignedByOperator(received: Received, server: ModelServer): Promise<void> {
  const check = await verifySigV4(asSent(received, server.url), AWS_SECRET)
  expect(check).toMatchObject({
    ok: true,
    accessKeyId: ACCESS_KEY_ID,
    scope: { region: 'eu-west-3', service: 'bedrock' },
    unsignedAmzHeaders: [],
  })
}

/** The text of the first turn of a Converse body (`messages`) and of a Gemini body (`contents`). */
const converseText = (body: Record<string, unknown>) =>
  (body.messages as { content: { text: string }[] }[])[0]!.content[0]!.text
const geminiText = (body: Record<string, unknown>) =>
  (body.contents as { parts: { text: string }[] }[])[0]!.parts[0]!.text

/** v4 content chunks, in order. */
const contentChunks = (body: string) =>
  sseEvents(body)
    .filter((e) => e.event === 'content_chunk')
    .map((e) => (e.data as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content)

export function codeCloudProvidersContract(target: Target) {
  describe(`code routes x cloud providers [${target.runtime}]`, () => {
    const setUp = providerSetup(target)

    describe('Anthropic', () => {
      const claude = (model: Partial<SelfHosted> = {}): SelfHosted => ({
        name: 'claude_3',
        identifier: 'anthropic/claude-3-5-sonnet-20241022',
        ...model,
      })

      it("anthropic/<model> at the request's endpoint: /v1/messages, x-api-key, anthropic-version, the system prompt as top-level system", async () => {
        const { server, post, gateway } = await setUp()
        await server.script(jsonStep('/v1/messages', message([textBlock(ANSWER)])))
        expect(
          await suggestion(
            await post('/v2/code/completions', v2Body(claude({ endpoint: server.url, key: MODEL_KEY }))),
          ),
        ).toBe(ANSWER)
        const received = await server.onlyRequest()
        expect(received).toMatchObject({
          method: 'POST',
          path: '/v1/messages',
          headers: { 'x-api-key': MODEL_KEY, 'anthropic-version': '2023-06-01' },
        })
        expect(received.headers.authorization).toBeUndefined()
        const body = bodyOf(received)
        expect(body).toMatchObject({ model: 'claude-3-5-sonnet-20241022', max_tokens: 128, temperature: 0 })
        expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model', 'system', 'temperature'])
        expect(body.system).toContain('You are a code completion engine')
        const [user, ...more] = body.messages as { role: string; content: string }[]
        expect(more).toEqual([])
        expect(user?.role).toBe('user')
        expect(user?.content).toContain(
          `<language>python</language>\n<file_name>app/billing.py</file_name>\n<prefix>${V2_PREFIX}</prefix>\n<suffix>${SUFFIX}</suffix>`,
        )
        expectNoSecrets(gateway)
      })

      it('streams Anthropic events through /v4 as they arrive; a hang-up closes /v1/messages', async () => {
        const { server, post } = await setUp()
        await server.script(
          sseStep('/v1/messages', messageStream(['return ', 'sum(items)']).slice(0, 4), true),
        )
        const response = await post(
          '/v4/code/suggestions',
          v3Body('api', claude({ endpoint: server.url, key: MODEL_KEY }), true),
        )
        const closed = await expectForwardedThenFreed(response, '"return "', server)
        expect(closed).toMatchObject({ path: '/v1/messages', headers: { 'x-api-key': MODEL_KEY } })
        expect(bodyOf(closed)).toMatchObject({ model: 'claude-3-5-sonnet-20241022', stream: true })
      })

      it('generates through /v2/code/generations with ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY: the generation prompt, stop_sequences, fences stripped', async () => {
        const { server, post, gateway } = await setUp((s) => ({
          ANTHROPIC_BASE_URL: s.url,
          ANTHROPIC_API_KEY: ANTHROPIC_OPERATOR_KEY,
        }))
        await server.script(jsonStep('/v1/messages', message([textBlock(FENCED)])))
        const response = await post(
          '/v2/code/generations',
          ideGeneration('', {
            model_name: 'claude_3',
            model_identifier: claude().identifier,
            model_api_key: '',
          }),
        )
        const answer = await text(response)
        expect(response.status, answer).toBe(200)
        expect(JSON.parse(answer)).toMatchObject({
          model: { engine: 'agent', name: 'Code Generations Agent' },
          choices: [{ text: UNFENCED }],
        })
        const received = await server.onlyRequest()
        expect(received).toMatchObject({
          path: '/v1/messages',
          headers: { 'x-api-key': ANTHROPIC_OPERATOR_KEY },
        })
        const body = bodyOf(received)
        expect(body).toMatchObject({
          max_tokens: 2048,
          temperature: 0.2,
          stop_sequences: ['UNABLE_TO_GENERATE'],
        })
        expect(body.system).toContain('You are a code generation agent')
        expect(JSON.stringify(body.messages)).toContain(
          '<instruction>\\nwrite a function that sums the prices of the items\\n</instruction>',
        )
        expectNoSecrets(gateway, answer)
      })
    })

    describe('Amazon Bedrock', () => {
      const mixtral: SelfHosted = {
        name: 'mixtral',
        identifier: 'bedrock/mistral.mixtral-8x7b-instruct-v0:1',
        endpoint: 'http://bedrock.ignored.example/v1',
      }

      it('bedrock/<model id> by v3 model_metadata (provider "bedrock"): Converse at AWS_BEDROCK_RUNTIME_ENDPOINT, SigV4 with the AWS_* settings, the request endpoint ignored', async () => {
        const { server, post, gateway } = await setUp(aws)
        await server.script(jsonStep('/model/', converseAnswer('total\\_price = sum(items)')))
        // The mixtral family's fix: `\_` becomes `_`.
        expect(await suggestion(await post('/v3/code/completions', v3Body('bedrock', mixtral)))).toBe(
          'total_price = sum(items)',
        )
        const received = await server.onlyRequest()
        expect(received).toMatchObject({
          method: 'POST',
          path: '/model/mistral.mixtral-8x7b-instruct-v0%3A1/converse',
        })
        await expectSignedByOperator(received, server)
        const body = bodyOf(received)
        expect(body).toEqual({
          messages: [{ role: 'user', content: [{ text: `<s>[SUFFIX]${SUFFIX}[PREFIX]${V3_PREFIX}` }] }],
          system: [{ text: expect.stringContaining('code completion assistant for python') }],
          inferenceConfig: { maxTokens: 64, temperature: 0, stopSequences: MISTRAL_STOP },
        })
        expectNoSecrets(gateway)
      })

      it('streams ConverseStream frames through /v2 as they arrive (signed /converse-stream); a hang-up closes it', async () => {
        const { server, post } = await setUp(aws)
        const llama: SelfHosted = { name: 'llama3', identifier: 'bedrock/us.meta.llama3-3-70b-instruct-v1:0' }
        await server.script(
          hangingStep(
            '/model/',
            EVENT_STREAM_HEADERS,
            frameChunks(converseStream(['return ', 'sum(items)']).slice(0, 3)),
          ),
        )
        const closed = await expectForwardedThenFreed(
          await post('/v2/code/completions', v2Body(llama, true)),
          'return ',
          server,
        )
        expect(closed.path).toBe('/model/us.meta.llama3-3-70b-instruct-v1%3A0/converse-stream')
        await expectSignedByOperator(closed, server)
        expect(bodyOf(closed)).toMatchObject({ inferenceConfig: { maxTokens: 64, temperature: 0 } })
      })

      it('streams a /v4 generation (claude_3 on Bedrock) in whole lines without fences, stopSequences from the prompt', async () => {
        const { server, post } = await setUp(aws)
        await server.script({
          match: '/model/',
          headers: EVENT_STREAM_HEADERS,
          chunks: frameChunks(
            converseStream(['```python\ndef to', 'tal(items):\n    return sum(items)\n```']),
          ),
        })
        const metadata = {
          provider: 'bedrock',
          name: 'claude_3',
          identifier: 'bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0',
          endpoint: '',
          api_key: '',
        }
        const body = await text(
          await post('/v4/code/suggestions', v3Generation('', { stream: true, metadata })),
        )
        expect(contentChunks(body)).toEqual(['def total(items):\n', '    return sum(items)\n'])
        const received = await server.onlyRequest()
        expect(received.path).toBe('/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream')
        await expectSignedByOperator(received, server)
        const sent = bodyOf(received)
        expect(sent).toMatchObject({
          inferenceConfig: { maxTokens: 2048, temperature: 0.2, stopSequences: ['UNABLE_TO_GENERATE'] },
        })
        expect(converseText(sent)).toContain('<instruction>\nsum the prices of the items\n</instruction>')
      })
    })

    describe('Vertex AI', () => {
      const gemini: SelfHosted = {
        name: 'gemini',
        identifier: 'vertex_ai/gemini-2.5-flash',
        endpoint: 'http://vertex.ignored.example',
      }

      it('vertex_ai/<model> by v3 model_metadata (provider "vertex_ai"): generateContent in the project and location, with a token from the service-account key', async () => {
        const { server, post, gateway } = await setUp(vertex)
        await server.script(
          tokenGrant,
          jsonStep(
            '/v1/projects/',
            geminiResponse({ texts: [ANSWER], finishReason: 'STOP', usage: { prompt: 40, candidates: 9 } }),
          ),
        )
        expect(await suggestion(await post('/v3/code/completions', v3Body('vertex_ai', gemini)))).toBe(ANSWER)

        const [grant] = await requestsTo(server, '/token')
        const form = new URLSearchParams(grant!.body)
        expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer')
        expect(decodeJwt(form.get('assertion')!)).toMatchObject({
          iss: 'aigw@my-project.iam.gserviceaccount.com',
          aud: `${server.url}/token`,
        })
        const [call, ...more] = await requestsTo(server, '/v1/')
        expect(more).toEqual([])
        expect(call).toMatchObject({
          method: 'POST',
          path: `${VERTEX_MODELS}/google/models/gemini-2.5-flash:generateContent`,
          headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
        })
        const body = bodyOf(call!)
        // The gemini family: the base prompt, temperature 1.
        expect(body).toMatchObject({
          generationConfig: { maxOutputTokens: 128, temperature: 1 },
          systemInstruction: {
            parts: [{ text: expect.stringContaining('You are a code completion engine') }],
          },
        })
        expect(geminiText(body)).toContain(
          `<language>python</language>\n<file_name>app/billing.py</file_name>\n<prefix>${V3_PREFIX}</prefix>`,
        )
        expectNoSecrets(gateway)
        for (const line of inject('gatewayKeys')
          .signing.split('\n')
          .filter((l) => l.length > 40))
          expect(gateway.logs().join('\n')).not.toContain(line)
      })

      it('streams :streamGenerateContent?alt=sse through /v4 as it arrives; a hang-up closes it', async () => {
        const { server, post } = await setUp(vertex)
        await server.script(
          tokenGrant,
          hangingStep(
            '/v1/projects/',
            GEMINI_SSE_HEADERS,
            geminiSseChunks([geminiResponse({ texts: ['return '] })]),
          ),
        )
        const closed = await expectForwardedThenFreed(
          await post('/v4/code/suggestions', v3Body('vertex_ai', gemini, true)),
          '"return "',
          server,
        )
        expect(closed).toMatchObject({
          path: `${VERTEX_MODELS}/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
          headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
        })
      })

      it('generates with Claude on Vertex (vertex_ai/claude-…): rawPredict, anthropic_version, fences stripped', async () => {
        const { server, post } = await setUp(vertex)
        await server.script(tokenGrant, jsonStep('/v1/projects/', message([textBlock(FENCED)])))
        const metadata = {
          provider: 'vertex_ai',
          name: 'claude_3',
          identifier: 'vertex_ai/claude-3-5-sonnet-v2@20241022',
          endpoint: '',
          api_key: '',
        }
        expect(
          await suggestion(
            await post('/v3/code/completions', v3Generation('', { promptVersion: '1.2.0', metadata })),
          ),
        ).toBe(UNFENCED)
        const [call] = await requestsTo(server, '/v1/')
        expect(call?.path).toBe(`${VERTEX_MODELS}/anthropic/models/claude-3-5-sonnet-v2@20241022:rawPredict`)
        expect(bodyOf(call!)).toMatchObject({
          anthropic_version: 'vertex-2023-10-16',
          max_tokens: 2048,
          stop_sequences: ['UNABLE_TO_GENERATE'],
        })
      })
    })

    it('never shows a key when a provider refuses the call: 503 naming the host, clean logs', async () => {
      const { server, post, gateway } = await setUp((s) => ({ ...aws(s), ...vertex(s) }))
      const host = new URL(server.url).host
      const refusal = (match: string, status: number, body: unknown) => ({
        match,
        status,
        chunks: [{ text: JSON.stringify(body) }],
      })
      await server.script(
        refusal(
          '/v1/messages',
          401,
          anthropicError('authentication_error', `invalid x-api-key ${MODEL_KEY}`),
        ),
        // A key sent with a bedrock/ model is a Bedrock API key (a bearer token instead of SigV4).
        refusal('/model/us.meta', 403, { message: `Bearer token ${MODEL_KEY} is not valid` }),
        refusal('/model/', 403, { message: 'The security token included in the request is invalid.' }),
        tokenGrant,
        refusal(
          '/v1/projects/',
          403,
          googleError(403, 'PERMISSION_DENIED', "Permission 'aiplatform.endpoints.predict' denied"),
        ),
      )
      const cases: [SelfHosted, string, number][] = [
        [
          {
            name: 'claude_3',
            identifier: 'anthropic/claude-3-5-sonnet-20241022',
            endpoint: server.url,
            key: MODEL_KEY,
          },
          host,
          401,
        ],
        [
          { name: 'llama3', identifier: 'bedrock/us.meta.llama3-3-70b-instruct-v1:0', key: MODEL_KEY },
          host,
          403,
        ],
        [{ name: 'mixtral', identifier: 'bedrock/mistral.mixtral-8x7b-instruct-v0:1' }, host, 403],
        [{ name: 'gemini', identifier: 'vertex_ai/gemini-2.5-flash' }, host, 403],
      ]
      for (const [model, shown, status] of cases) {
        for (const stream of [false, true]) {
          const response = await post('/v2/code/completions', v2Body(model, stream))
          const body = await text(response)
          expect(response.status, `${model.identifier} ${body}`).toBe(503)
          expect(
            (JSON.parse(body) as { detail: string }).detail.startsWith(
              `Inference failed: the model server at ${shown} answered HTTP ${status}: `,
            ),
            body,
          ).toBe(true)
          expectNoSecrets(gateway, body)
        }
      }
      const bedrock = await requestsTo(server, '/model/')
      expect(bedrock.map((r) => r.headers.authorization?.split(' ')[0])).toEqual([
        'Bearer',
        'Bearer',
        'AWS4-HMAC-SHA256',
        'AWS4-HMAC-SHA256',
      ])
      expect(bedrock[0]?.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
    })
  })
}
