/**
 * The OpenAI-shaped self-hosted providers GitLab can name, end to end through the code routes
 * (gitlab-client §5.2–§5.4, spec features §4.4): vLLM (`custom_openai/`, `hosted_vllm/`), Ollama
 * (`custom_openai/` at `…:11434/v1`, `ollama/` without `/v1`), `text-completion-openai/` and Azure
 * OpenAI. Each family's prompt reaches a fake that speaks the format, with its key and fields.
 */
import { describe, expect, it } from 'vitest'
import { bodyOf, type Received } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import {
  azurePromptFilterChunk,
  chatChunk,
  chatCompletion,
  chatStream,
  openAiError,
  textCompletion,
  textStream,
} from '../wire/openai.ts'
import { MODEL_KEY } from './fixtures.ts'
import { expectNoSecrets, messagesOf, text } from './harness.ts'
import {
  expectForwardedThenFreed,
  jsonStep,
  providerSetup,
  sseStep,
  SUFFIX,
  suggestion,
  V2_PREFIX,
  V3_PREFIX,
  v2Body,
  v3Body,
  type SelfHosted,
} from './providers-helpers.ts'

const CODESTRAL_STOP = ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]']
const CODELLAMA_STOP = ['<PRE>', '<SUF>', '<MID>', '<EOT>']
const ANSWER = 'return sum(i.price for i in items)'
const AZURE_OPERATOR_KEY = 'azure-operator-SECRET-5f1c'
const CHAT = '/v1/chat/completions'

/** The request as the fake saw it: method, path (with query), the auth headers, the JSON body. */
function upstream(received: Received) {
  const { authorization, 'api-key': apiKey } = received.headers
  return { method: received.method, path: received.path, authorization, apiKey, body: bodyOf(received) }
}

export function codeOpenAiProvidersContract(target: Target) {
  describe(`code routes x OpenAI-compatible providers [${target.runtime}]`, () => {
    const setUp = providerSetup(target)

    describe('vLLM', () => {
      it('custom_openai/<org>/<model>: everything after the first / is the model; codestral FIM at <endpoint>/chat/completions', async () => {
        const { server, post, gateway } = await setUp()
        const vllm: SelfHosted = {
          name: 'codestral',
          identifier: 'custom_openai/mistralai/Codestral-22B-v0.1',
          endpoint: `${server.url}/v1`,
          key: MODEL_KEY,
        }
        await server.script(jsonStep(CHAT, chatCompletion(ANSWER)))
        const response = await post('/v2/code/completions', v2Body(vllm))
        expect(await suggestion(response)).toBe(ANSWER)
        const sent = upstream(await server.onlyRequest())
        expect(sent).toMatchObject({
          method: 'POST',
          path: CHAT,
          authorization: `Bearer ${MODEL_KEY}`,
          apiKey: undefined,
        })
        expect(sent.body).toMatchObject({
          model: 'mistralai/Codestral-22B-v0.1',
          max_tokens: 64,
          temperature: 0.32,
          stop: CODESTRAL_STOP,
          stream: false,
        })
        const [system, user] = messagesOf(await server.onlyRequest())
        expect(system?.content).toContain('Complete the python code at the cursor')
        expect(user).toEqual({ role: 'user', content: `<s>[SUFFIX]${SUFFIX}[PREFIX]${V2_PREFIX}` })
        expectNoSecrets(gateway)
      })

      it('hosted_vllm/<model> named by v3 model_metadata (provider "api"): the llama3 prompt, no stop tokens', async () => {
        const { server, post } = await setUp()
        const vllm: SelfHosted = {
          name: 'llama3',
          identifier: 'hosted_vllm/meta-llama/Llama-3.3-70B-Instruct',
          endpoint: `${server.url}/v1/`,
          key: MODEL_KEY,
        }
        await server.script(jsonStep(CHAT, chatCompletion(ANSWER)))
        expect(await suggestion(await post('/v3/code/completions', v3Body('api', vllm)))).toBe(ANSWER)
        const sent = upstream(await server.onlyRequest())
        expect(sent).toMatchObject({ path: CHAT, authorization: `Bearer ${MODEL_KEY}` })
        expect(sent.body).toMatchObject({
          model: 'meta-llama/Llama-3.3-70B-Instruct',
          max_tokens: 64,
          temperature: 0,
          stream: false,
        })
        expect(sent.body).not.toHaveProperty('stop')
        const [system, user] = messagesOf(await server.onlyRequest())
        expect(system?.content).toContain('code completion assistant for python')
        expect(user?.content).toContain(`<code>\n${V3_PREFIX}\n|CODE|\n${SUFFIX}\n</code>`)
      })

      it('streams through /v4 as each delta arrives, and a hang-up closes the vLLM request', async () => {
        const { server, post } = await setUp()
        const vllm: SelfHosted = {
          name: 'codestral',
          identifier: 'custom_openai/mistralai/Codestral-22B-v0.1',
          endpoint: `${server.url}/v1`,
          key: MODEL_KEY,
        }
        await server.script(sseStep(CHAT, chatStream(['return ', 'sum(items)']).slice(0, 2), true))
        const closed = await expectForwardedThenFreed(
          await post('/v4/code/suggestions', v3Body('openai', vllm, true)),
          'event: content_chunk',
          server,
        )
        expect(closed.path).toBe(CHAT)
        expect(bodyOf(closed)).toMatchObject({
          model: 'mistralai/Codestral-22B-v0.1',
          stream: true,
          stream_options: { include_usage: true },
        })
      })
    })

    describe('Ollama', () => {
      it('custom_openai/codellama:13b-code at http://host:11434/v1 (the documented way): codellama FIM, dummy_key without a key', async () => {
        const { server, post } = await setUp()
        const ollama: SelfHosted = {
          name: 'codellama',
          identifier: 'custom_openai/codellama:13b-code',
          endpoint: `${server.url}/v1`,
        }
        await server.script(jsonStep(CHAT, chatCompletion(ANSWER)))
        expect(await suggestion(await post('/v2/code/completions', v2Body(ollama)))).toBe(ANSWER)
        const sent = upstream(await server.onlyRequest())
        expect(sent).toMatchObject({ path: CHAT, authorization: 'Bearer dummy_key' })
        expect(sent.body).toEqual({
          model: 'codellama:13b-code',
          messages: [{ role: 'user', content: `<PRE> ${V2_PREFIX} <SUF> ${SUFFIX} <MID>` }],
          max_tokens: 128,
          temperature: 0.95,
          stop: CODELLAMA_STOP,
          stream: false,
        })
      })

      it('ollama/<model> with an endpoint without /v1: the gateway appends /v1, and streams the raw text', async () => {
        const { server, post } = await setUp()
        const ollama: SelfHosted = {
          name: 'codellama',
          identifier: 'ollama/codellama:13b-code',
          endpoint: server.url,
        }
        await server.script(sseStep(CHAT, chatStream(['return ', 'sum(items)']).slice(0, 2), true))
        const closed = await expectForwardedThenFreed(
          await post('/v2/code/completions', v2Body(ollama, true)),
          'return ',
          server,
        )
        expect(upstream(closed)).toMatchObject({
          path: CHAT,
          authorization: 'Bearer dummy_key',
          body: { model: 'codellama:13b-code', stream: true, stop: CODELLAMA_STOP },
        })
      })
    })

    describe('text-completion-openai', () => {
      const deepseek = (endpoint: string): SelfHosted => ({
        name: 'deepseekcoder',
        identifier: 'text-completion-openai/deepseek-ai/deepseek-coder-33b-base',
        endpoint,
        key: MODEL_KEY,
      })

      it('POSTs <endpoint>/completions with the messages flattened into prompt (the deepseekcoder FIM string)', async () => {
        const { server, post } = await setUp()
        await server.script(jsonStep('/v1/completions', textCompletion(ANSWER)))
        expect(
          await suggestion(await post('/v2/code/completions', v2Body(deepseek(`${server.url}/v1`)))),
        ).toBe(ANSWER)
        const sent = upstream(await server.onlyRequest())
        expect(sent).toMatchObject({
          method: 'POST',
          path: '/v1/completions',
          authorization: `Bearer ${MODEL_KEY}`,
        })
        expect(sent.body).toEqual({
          model: 'deepseek-ai/deepseek-coder-33b-base',
          prompt: `<｜fim▁begin｜>${V2_PREFIX}<｜fim▁hole｜>${SUFFIX}<｜fim▁end｜>`,
          max_tokens: 128,
          temperature: 0,
          stream: false,
        })
      })

      it('streams text_completion chunks as they arrive; a hang-up closes the request', async () => {
        const { server, post } = await setUp()
        await server.script(
          sseStep('/v1/completions', textStream(['return ', 'sum(items)']).slice(0, 1), true),
        )
        const closed = await expectForwardedThenFreed(
          await post('/v2/code/completions', v2Body(deepseek(`${server.url}/v1`), true)),
          'return ',
          server,
        )
        expect(upstream(closed)).toMatchObject({
          path: '/v1/completions',
          body: { stream: true, stream_options: { include_usage: true } },
        })
      })
    })

    describe('Azure OpenAI', () => {
      const deployment = (model: Partial<SelfHosted> = {}): SelfHosted => ({
        name: 'gpt',
        identifier: 'azure/gpt-4o-code',
        ...model,
      })
      const operator = (server: { url: string }) => ({
        AZURE_API_BASE: server.url,
        AZURE_API_KEY: AZURE_OPERATOR_KEY,
        AZURE_API_VERSION: '2025-01-01-preview',
      })

      it("azure/<deployment> with the request's endpoint and key: api-key header, the deployment in the path, no model in the body", async () => {
        const { server, post, gateway } = await setUp()
        await server.script(jsonStep('/openai/deployments/', chatCompletion(ANSWER)))
        expect(
          await suggestion(
            await post(
              '/v2/code/completions',
              v2Body(deployment({ endpoint: `${server.url}/`, key: MODEL_KEY })),
            ),
          ),
        ).toBe(ANSWER)
        const sent = upstream(await server.onlyRequest())
        expect(sent).toMatchObject({
          method: 'POST',
          path: '/openai/deployments/gpt-4o-code/chat/completions?api-version=2024-10-21',
          apiKey: MODEL_KEY,
          authorization: undefined,
        })
        // The gpt family: 64 tokens, no temperature, no stop tokens.
        expect(Object.keys(sent.body).sort()).toEqual(['max_tokens', 'messages', 'stream'])
        expect(sent.body.max_tokens).toBe(64)
        expect(messagesOf(await server.onlyRequest()).at(-1)?.content).toBe(
          `------\nLanguage: python\n\n<|prefix|>${V2_PREFIX}<|suffix|>${SUFFIX}`,
        )
        expectNoSecrets(gateway)
      })

      it("without endpoint and key: AZURE_API_BASE, AZURE_API_KEY and AZURE_API_VERSION; the operator's key never goes to a request's endpoint", async () => {
        const { server, post, gateway } = await setUp(operator)
        await server.script(jsonStep('/openai/deployments/', chatCompletion(ANSWER)))
        expect(await suggestion(await post('/v3/code/completions', v3Body('openai', deployment())))).toBe(
          ANSWER,
        )
        expect(
          await suggestion(
            await post('/v3/code/completions', v3Body('openai', deployment({ endpoint: server.url }))),
          ),
        ).toBe(ANSWER)
        const [configured, named] = (await server.requests()).map(upstream)
        expect(configured).toMatchObject({
          path: '/openai/deployments/gpt-4o-code/chat/completions?api-version=2025-01-01-preview',
          apiKey: AZURE_OPERATOR_KEY,
        })
        expect(named).toMatchObject({
          path: '/openai/deployments/gpt-4o-code/chat/completions?api-version=2025-01-01-preview',
          apiKey: undefined,
        })
        expectNoSecrets(gateway)
      })

      it("streams through /v4 past Azure's content-filter chunk, and a hang-up closes the deployment's request", async () => {
        const { server, post } = await setUp(operator)
        const frames = [{ data: azurePromptFilterChunk() }, { data: chatChunk({ content: 'return ' }) }]
        await server.script(sseStep('/openai/deployments/', frames, true))
        const response = await post('/v4/code/suggestions', v3Body('openai', deployment(), true))
        const closed = await expectForwardedThenFreed(response, '"return "', server)
        expect(upstream(closed)).toMatchObject({
          path: '/openai/deployments/gpt-4o-code/chat/completions?api-version=2025-01-01-preview',
          apiKey: AZURE_OPERATOR_KEY,
          body: { stream: true },
        })
      })
    })

    it('never shows a key when the model server refuses it (401 echoing the key): 503 naming the host, clean logs', async () => {
      const { server, post, gateway } = await setUp(() => ({ AZURE_API_KEY: AZURE_OPERATOR_KEY }))
      const host = new URL(server.url).host
      await server.script(
        {
          match: CHAT,
          status: 401,
          chunks: [{ text: JSON.stringify(openAiError(`Incorrect API key provided: ${MODEL_KEY}`)) }],
        },
        {
          match: '/openai/',
          status: 401,
          chunks: [{ text: JSON.stringify(openAiError(`Access denied for ${MODEL_KEY}`)) }],
        },
      )
      const models: SelfHosted[] = [
        {
          name: 'codestral',
          identifier: 'custom_openai/Codestral-22B-v0.1',
          endpoint: `${server.url}/v1`,
          key: MODEL_KEY,
        },
        { name: 'gpt', identifier: 'azure/gpt-4o-code', endpoint: server.url, key: MODEL_KEY },
      ]
      for (const model of models) {
        for (const stream of [false, true]) {
          const response = await post('/v2/code/completions', v2Body(model, stream))
          const body = await text(response)
          expect(response.status, model.identifier).toBe(503)
          expect((JSON.parse(body) as { detail: string }).detail).toMatch(
            new RegExp(
              `^Inference failed: the model server at ${host} answered HTTP 401: (Incorrect API key provided:|Access denied for) \\[redacted\\]$`,
            ),
          )
          expectNoSecrets(gateway, body)
        }
      }
    })
  })
}
