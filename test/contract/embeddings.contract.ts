/**
 * `POST /v1/embeddings/code_embeddings` (+ `/index`, `/search`), spec features §7.2: what reaches
 * the model server's OpenAI-compatible `/embeddings`, GitLab's answer and its 422 details, the
 * unit primitive, and how model server failures are answered.
 */
import { describe, expect, inject, it } from 'vitest'
import { SCOPES_18 } from './gitlab.ts'
import { bodyOf } from './model-server-client.ts'
import { codeSetup, expectNoSecrets } from './code/harness.ts'
import { MODEL_KEY } from './code/fixtures.ts'
import { jsonLogs, type Target } from './target.ts'
import { openAiError } from './wire/openai.ts'

const PATH = '/v1/embeddings/code_embeddings'
const EMBEDDINGS_SCOPES = { scopes: [...SCOPES_18, 'generate_embeddings_codebase'] }
const VECTORS = [
  [0.12, -0.5, 0.33],
  [0.9, 0.01, -0.25],
]

/** What Rails sends for semantic code search with a self-hosted embedding model. */
function request(
  endpoint: string,
  metadata: Record<string, unknown> = {},
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    model_metadata: {
      provider: 'litellm',
      name: 'embedding',
      endpoint,
      api_key: MODEL_KEY,
      identifier: 'custom_openai/nomic-embed-text',
      ...metadata,
    },
    contents: ['def total(items):\n    return sum(items)', 'class Item: ...'],
    ...fields,
  }
}

/** The OpenAI embeddings answer (vLLM, Ollama, TEI and OpenAI all send this shape). */
function embeddingsAnswer(vectors: number[][] = VECTORS, match = '/v1/embeddings') {
  const body = {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', embedding, index })),
    model: 'nomic-embed-text',
    usage: { prompt_tokens: 14, total_tokens: 14 },
  }
  return { match, chunks: [{ text: JSON.stringify(body) }] }
}

export function embeddingsContract(target: Target) {
  describe(`code embeddings [${target.runtime}]`, () => {
    const setUp = codeSetup(target)
    const withScope = (settings: Record<string, string> = {}) => setUp(settings, '18.x', EMBEDDINGS_SCOPES)

    it("sends the contents to the model server's /embeddings and answers GitLab's shape", async () => {
      const { server, endpoint, post, gateway } = await withScope()
      await server.script(embeddingsAnswer())
      const response = await post(PATH, request(endpoint, {}, { dimensions: 768 }))
      expect(response.status).toBe(200)
      const body = await response.json()
      expect(body).toEqual({
        model: {
          engine: 'litellm_embedding',
          name: 'embedding',
          identifier: 'custom_openai/nomic-embed-text',
        },
        predictions: [
          { embedding: VECTORS[0], index: 0 },
          { embedding: VECTORS[1], index: 1 },
        ],
      })

      const received = await server.onlyRequest()
      expect(received.method).toBe('POST')
      expect(received.path).toBe('/v1/embeddings')
      expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
      expect(bodyOf(received)).toEqual({
        model: 'nomic-embed-text',
        input: ['def total(items):\n    return sum(items)', 'class Item: ...'],
        dimensions: 768,
      })
      expectNoSecrets(gateway, JSON.stringify(body))
      const access = jsonLogs(gateway).find((line) => line.logger === 'api.access' && line.path === PATH)
      expect(access).toMatchObject({
        status_code: 200,
        'meta.unit_primitive': 'generate_embeddings_codebase',
        model_identifier: 'custom_openai/nomic-embed-text',
      })
    })

    it("sends Bearer dummy_key without a key, no dimensions unless asked for, and keeps LiteLLM's drop_params to itself", async () => {
      const { server, endpoint, post } = await withScope()
      await server.script(embeddingsAnswer())
      const bare = await post(
        PATH,
        request(
          endpoint,
          { api_key: null, identifier: 'nomic-embed-text' },
          { dimensions: 0, litellm_drop_params: true },
        ),
      )
      expect(bare.status).toBe(200)
      expect(((await bare.json()) as { model: unknown }).model).toEqual({
        engine: 'litellm_embedding',
        name: 'embedding',
        identifier: 'nomic-embed-text',
      })
      const received = await server.onlyRequest()
      expect(received.headers.authorization).toBe('Bearer dummy_key')
      expect(bodyOf(received)).toEqual({
        model: 'nomic-embed-text',
        input: ['def total(items):\n    return sum(items)', 'class Item: ...'],
      })
    })

    it('keeps everything after the first / of the identifier as the model, and a trailing / off the endpoint', async () => {
      const { server, endpoint, post } = await withScope()
      await server.script(embeddingsAnswer())
      const response = await post(PATH, request(`${endpoint}/`, { identifier: 'hosted_vllm/BAAI/bge-m3' }))
      expect(response.status).toBe(200)
      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/embeddings')
      expect(bodyOf(received).model).toBe('BAAI/bge-m3')
    })

    it('answers the same on /index and /search', async () => {
      const { server, endpoint, post } = await withScope()
      await server.script({ ...embeddingsAnswer(), times: 3 })
      const answers = await Promise.all(
        ['', '/index', '/search'].map(async (suffix) => {
          const response = await post(`${PATH}${suffix}`, request(endpoint))
          return { status: response.status, body: await response.json() }
        }),
      )
      for (const answer of answers) expect(answer).toEqual(answers[0])
      expect(answers[0]?.status).toBe(200)
      expect(await server.requests()).toHaveLength(3)
    })

    it('calls Azure OpenAI deployments with the api-key header', async () => {
      const { server, post } = await withScope({ AZURE_API_VERSION: '2024-10-21' })
      await server.script(embeddingsAnswer(VECTORS, '/openai/deployments/'))
      const response = await post(PATH, request(server.url, { identifier: 'azure/embed-small' }))
      expect(response.status).toBe(200)
      const received = await server.onlyRequest()
      expect(received.path).toBe('/openai/deployments/embed-small/embeddings?api-version=2024-10-21')
      expect(received.headers['api-key']).toBe(MODEL_KEY)
      expect(received.headers.authorization).toBeUndefined()
      expect(bodyOf(received)).toEqual({
        input: ['def total(items):\n    return sum(items)', 'class Item: ...'],
      })
    })

    it("answers GitLab's 422 details for a model_metadata it refuses, before any call", async () => {
      const { server, endpoint, post } = await withScope()
      const cases: [Record<string, unknown>, string | RegExp][] = [
        [{ provider: 'openai' }, 'Allowed providers are: gitlab|litellm.'],
        [{ provider: 'anthropic' }, 'Allowed providers are: gitlab|litellm.'],
        [{ provider: 'gitlab', identifier: 'text_embedding_005_vertex' }, /GitLab-managed.*`litellm`/],
        [{ name: null }, 'Model `name` must be set when using `litellm` provider.'],
        [{ name: 'mistral' }, "Model `name` must be 'embedding' when using `litellm` provider."],
        [{ endpoint: null }, 'Model `endpoint` must be set when using `litellm` provider.'],
        [{ endpoint: '' }, 'Model `endpoint` must be set when using `litellm` provider.'],
        [{ identifier: '  ' }, 'Model `identifier` must be set when using `litellm` provider.'],
        [{ endpoint: 'not a url' }, /^Error creating the model_metadata: endpoint/],
        [
          { endpoint: `${endpoint}/${'x'.repeat(300)}` },
          /^Error creating the model_metadata: endpoint must have at most 255/,
        ],
        [
          { identifier: `custom_openai/${'m'.repeat(1000)}` },
          /^Error creating the model_metadata: identifier must have at most 1000/,
        ],
      ]
      for (const [metadata, detail] of cases) {
        const response = await post(PATH, request(endpoint, metadata))
        expect(response.status, JSON.stringify(metadata)).toBe(422)
        const body = (await response.json()) as { detail: string }
        if (typeof detail === 'string') expect(body.detail).toBe(detail)
        else expect(body.detail).toMatch(detail)
      }
      expect(await server.requests()).toHaveLength(0)
    })

    it('answers 422 Validation error for a body outside the schema (no identifier, no contents, not JSON)', async () => {
      const { server, endpoint, post } = await withScope()
      const noIdentifier = request(endpoint)
      delete (noIdentifier.model_metadata as Record<string, unknown>).identifier
      for (const body of [
        noIdentifier,
        { model_metadata: (request(endpoint) as { model_metadata: unknown }).model_metadata },
        request(endpoint, {}, { contents: 'one' }),
        request(endpoint, {}, { dimensions: -1 }),
        '{',
      ])
        expect(await (await post(PATH, body)).json()).toEqual({ detail: 'Validation error' })
      const detailed = await post(PATH, noIdentifier, { 'x-gitlab-enabled-instance-verbose-ai-logs': 'true' })
      expect(detailed.status).toBe(422)
      expect(((await detailed.json()) as { detail: string }).detail).toContain('model_metadata.identifier')
      expect(await server.requests()).toHaveLength(0)
    })

    it('answers 403 without generate_embeddings_codebase (GitLab: 500)', async () => {
      const { server, endpoint, post, gateway } = await setUp()
      const response = await post(PATH, request(endpoint))
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual({ detail: 'Unauthorized to access code embeddings' })
      expect(await server.requests()).toHaveLength(0)
      expect(
        (await gateway.fetch(PATH, { method: 'POST', body: JSON.stringify(request(endpoint)) })).status,
      ).toBe(401)
    })

    it("answers 422 with GitLab's detail when request-supplied endpoints are turned off", async () => {
      const { server, endpoint, post } = await setUp(
        { AIGW_CUSTOM_MODELS__ENABLED: 'false' },
        '18.x',
        EMBEDDINGS_SCOPES,
      )
      const response = await post(PATH, request(endpoint))
      expect(response.status).toBe(422)
      expect(await response.json()).toEqual({
        detail: 'specifying custom models endpoint is disabled: api_base is not allowed',
      })
      expect(await server.requests()).toHaveLength(0)
    })

    it('answers 400 naming the usable prefixes for identifiers that cannot embed, and for a link-local endpoint', async () => {
      const { server, endpoint, post } = await withScope()
      for (const identifier of [
        'bedrock/amazon.titan-embed-text-v2:0',
        'vertex_ai/text-embedding-005',
        'anthropic/claude-3-haiku',
        'voyage/voyage-code-3',
      ]) {
        const response = await post(PATH, request(endpoint, { identifier }))
        expect(response.status, identifier).toBe(400)
        const { detail } = (await response.json()) as { detail: string }
        expect(detail).toContain(`'${identifier.split('/')[0]}/'`)
        expect(detail).toContain('custom_openai/')
        expect(detail).not.toContain('bedrock/,')
      }
      const metadata = await post(PATH, request('http://169.254.169.254/v1'))
      expect(metadata.status).toBe(400)
      expect(await server.requests()).toHaveLength(0)
    })

    it("passes the model server's 400, 401 and 429 on with its message, keys blanked", async () => {
      const { server, endpoint, post, gateway } = await withScope()
      const host = new URL(endpoint).host
      await server.script(
        {
          match: '/v1/embeddings',
          status: 401,
          times: 1,
          chunks: [{ text: JSON.stringify(openAiError(`Incorrect API key provided: ${MODEL_KEY}`)) }],
        },
        {
          match: '/v1/embeddings',
          status: 400,
          times: 1,
          chunks: [
            {
              text: JSON.stringify({
                object: 'error',
                message: 'This model does not support dimensions',
                code: 400,
              }),
            },
          ],
        },
        {
          match: '/v1/embeddings',
          status: 429,
          times: 1,
          headers: { 'retry-after': '7' },
          chunks: [{ text: 'slow down' }],
        },
      )
      const unauthorized = await post(PATH, request(endpoint))
      expect(unauthorized.status).toBe(401)
      const { detail } = (await unauthorized.json()) as { detail: string }
      expect(detail).toBe(
        `The model server at ${host} answered HTTP 401: Incorrect API key provided: [redacted]`,
      )

      const badRequest = await post(PATH, request(endpoint, {}, { dimensions: 64 }))
      expect(badRequest.status).toBe(400)
      expect(await badRequest.json()).toEqual({
        detail: `The model server at ${host} answered HTTP 400: This model does not support dimensions`,
      })

      const limited = await post(PATH, request(endpoint))
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('7')
      expect(await limited.json()).toEqual({
        detail: `The model server at ${host} answered HTTP 429: slow down`,
      })
      // Not retried: each answer came from one call.
      expect(await server.requests()).toHaveLength(3)
      expectNoSecrets(gateway, detail)
    })

    it('maps other model server failures as every model call does: 503 after one retry, 502 for an answer without vectors', async () => {
      const { server, endpoint, post } = await withScope()
      await server.script(
        { match: '/v1/embeddings', status: 500, times: 2, chunks: [{ text: 'boom' }] },
        embeddingsAnswer([]),
      )
      const failed = await post(PATH, request(endpoint))
      expect(failed.status).toBe(503)
      expect(await failed.json()).toEqual({
        detail: `Inference failed: the model server at ${new URL(endpoint).host} answered HTTP 500: boom`,
      })
      expect(await server.requests()).toHaveLength(2)

      const empty = await post(PATH, request(endpoint))
      expect(empty.status).toBe(502)
      expect(((await empty.json()) as { detail: string }).detail).toContain('without embedding vectors')
    })

    it('answers 502 naming the host when the model server cannot be reached, with no key in logs or body', async () => {
      const { post, gateway } = await withScope()
      const refusing = inject('refusingUrl')
      const response = await post(PATH, request(`${refusing}/v1`))
      expect(response.status).toBe(502)
      const { detail } = (await response.json()) as { detail: string }
      expect(detail).toContain(new URL(refusing).host)
      expectNoSecrets(gateway, detail)
    })

    it('answers vectors without calling anyone in mock mode', async () => {
      const { server, endpoint, post } = await setUp(
        { AIGW_MOCK_MODEL_RESPONSES: 'true' },
        '18.x',
        EMBEDDINGS_SCOPES,
      )
      const response = await post(PATH, request(endpoint, {}, { dimensions: 16 }))
      expect(response.status).toBe(200)
      const { predictions } = (await response.json()) as {
        predictions: { embedding: number[]; index: number }[]
      }
      expect(predictions.map((p) => [p.index, p.embedding.length])).toEqual([
        [0, 16],
        [1, 16],
      ])
      expect(await server.requests()).toHaveLength(0)
    })
  })
}
