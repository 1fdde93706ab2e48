/**
 * Every self-hosted model family of spec features §4.2, through GitLab's own request bodies
 * (gitlab-client §3.2): the completion and generation prompts in the family's format with its
 * parameters, as the model server receives them, and the answers streamed and not. The expected
 * formats are written out here from the spec, independently of the prompt files.
 */
import { describe, expect, it } from 'vitest'
import { bodyOf } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { ideCompletion, ideGeneration } from './fixtures.ts'
import { answers, codeSetup, messagesOf, streams, text } from './harness.ts'

const PREFIX = 'def total(items):\n    '
const SUFFIX = '\n\nprint(total([]))\n'
const MISTRAL_STOP = ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]']

interface CompletionSpec {
  /** The last (user) message: exactly this string, or containing these parts in order. */
  user: string | string[]
  params: Record<string, unknown>
  absent?: string[]
}

const mistralFim: CompletionSpec = {
  user: `<s>[SUFFIX]${SUFFIX}[PREFIX]${PREFIX}`,
  params: { max_tokens: 64, temperature: 0, stop: MISTRAL_STOP },
}
const baseFim = (temperature: number): CompletionSpec => ({
  user: [
    `<language>python</language>`,
    `<file_name>app/billing.py</file_name>`,
    `<prefix>${PREFIX}</prefix>`,
    `<suffix>${SUFFIX}</suffix>`,
  ],
  params: { max_tokens: 128, temperature },
  absent: ['stop'],
})

const COMPLETIONS: Record<string, CompletionSpec> = {
  codestral: { ...mistralFim, params: { ...mistralFim.params, temperature: 0.32 } },
  mistral: mistralFim,
  mixtral: mistralFim,
  codegemma: {
    user: `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>`,
    params: {
      max_tokens: 128,
      temperature: 0.95,
      stop: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>'],
    },
  },
  codellama: {
    user: `<PRE> ${PREFIX} <SUF> ${SUFFIX} <MID>`,
    params: { max_tokens: 128, temperature: 0.95, stop: ['<PRE>', '<SUF>', '<MID>', '<EOT>'] },
  },
  deepseekcoder: {
    user: `<｜fim▁begin｜>${PREFIX}<｜fim▁hole｜>${SUFFIX}<｜fim▁end｜>`,
    params: { max_tokens: 128, temperature: 0 },
    absent: ['stop'],
  },
  llama3: { user: [PREFIX, '|CODE|', SUFFIX], params: { max_tokens: 64, temperature: 0 }, absent: ['stop'] },
  gpt: {
    user: `------\nLanguage: python\n\n<|prefix|>${PREFIX}<|suffix|>${SUFFIX}`,
    params: { max_tokens: 64 },
    absent: ['temperature', 'stop'],
  },
  claude_3: baseFim(0),
  general: baseFim(0),
  gemini: baseFim(1),
  qwen: baseFim(0),
}

const GENERATIONS: Record<string, { name: string; params: Record<string, unknown> }> = {
  codestral: { name: 'Codestral 22B Code Generations', params: { max_tokens: 256, temperature: 0.3 } },
  mistral: { name: 'Mistral 7B Code Generations', params: { max_tokens: 256, temperature: 0.95 } },
  mixtral: { name: 'Mixtral Code Generations', params: { max_tokens: 4096, temperature: 0 } },
  gpt: { name: 'GPT Code Generations', params: { max_tokens: 512, temperature: 1 } },
  llama3: { name: 'LLaMA3 Code Generations', params: { max_tokens: 256, temperature: 0 } },
  codegemma: { name: 'CodeGemma Generations', params: { max_tokens: 512, temperature: 0.95 } },
  codellama: { name: 'Codellama 13B Code Generations', params: { max_tokens: 256, temperature: 0.95 } },
  deepseekcoder: { name: 'DeepSeekCoder Code Generations', params: { max_tokens: 512, temperature: 0.95 } },
  claude_3: {
    name: 'Code Generations Agent',
    params: { max_tokens: 2048, temperature: 0.2, stop: ['UNABLE_TO_GENERATE'] },
  },
  general: {
    name: 'Code Generations Agent',
    params: { max_tokens: 2048, temperature: 0.2, stop: ['UNABLE_TO_GENERATE'] },
  },
  gemini: {
    name: 'Code Generations Agent',
    params: { max_tokens: 2048, temperature: 0.2, stop: ['UNABLE_TO_GENERATE'] },
  },
  qwen: {
    name: 'Code Generations Agent',
    params: { max_tokens: 2048, temperature: 0.2, stop: ['UNABLE_TO_GENERATE'] },
  },
}

function expectInOrder(textValue: string, parts: string[]): void {
  let at = 0
  for (const part of parts) {
    const found = textValue.indexOf(part, at)
    expect(found, `${JSON.stringify(part)} after position ${at}`).toBeGreaterThanOrEqual(0)
    at = found + part.length
  }
}

export function codeFamiliesContract(target: Target) {
  describe(`code suggestions for every model family [${target.runtime}]`, () => {
    const setUp = codeSetup(target)

    it.each(Object.entries(COMPLETIONS))(
      '%s: completes in its prompt format, streamed and not',
      async (family, spec) => {
        const { server, endpoint, post } = await setUp()
        await server.script({ ...answers('return sum(items)'), times: 1 }, streams(['return ', 'sum(items)']))
        const body = ideCompletion(endpoint, {
          model_name: family,
          model_identifier: `custom_openai/${family}-model`,
          context: [],
        })
        const plain = (await (await post('/v2/code/completions', body)).json()) as {
          choices: { text: string }[]
          model: Record<string, unknown>
        }
        expect(plain.choices).toEqual([{ text: 'return sum(items)', index: 0, finish_reason: 'length' }])
        expect(plain.model).toMatchObject({ engine: 'litellm', name: family, lang: 'python' })
        expect(await text(await post('/v2/code/completions', { ...body, stream: true }))).toBe(
          'return sum(items)',
        )

        const [first, second] = await server.requests()
        const sent = bodyOf(first!)
        expect(sent).toMatchObject({ model: `${family}-model`, stream: false, ...spec.params })
        for (const field of spec.absent ?? []) expect(sent[field], field).toBeUndefined()
        const user = messagesOf(first!).at(-1)!
        expect(user.role).toBe('user')
        if (typeof spec.user === 'string') expect(user.content).toBe(spec.user)
        else expectInOrder(user.content, spec.user)
        expect(JSON.stringify(messagesOf(first!))).not.toContain('None')
        expect(bodyOf(second!)).toMatchObject({ stream: true, messages: sent.messages })
      },
    )

    it.each(Object.entries(GENERATIONS))(
      '%s: generates with its prompt and parameters, streamed and not',
      async (family, spec) => {
        const { server, endpoint, post } = await setUp()
        await server.script(
          { ...answers('```python\ndef total(items):\n    return sum(items)\n```'), times: 1 },
          streams(['def total(items):\n    ret', 'urn sum(items)\n']),
        )
        const body = ideGeneration(endpoint, {
          model_name: family,
          model_identifier: `custom_openai/${family}-model`,
        })
        const plain = (await (await post('/v2/code/generations', body)).json()) as {
          choices: { text: string }[]
          model: Record<string, unknown>
        }
        expect(plain.model).toMatchObject({ engine: 'agent', name: spec.name, lang: 'python' })
        expect(plain.choices).toEqual([
          { text: 'def total(items):\n    return sum(items)\n', index: 0, finish_reason: 'length' },
        ])
        expect(await text(await post('/v2/code/generations', { ...body, stream: true }))).toBe(
          'def total(items):\n    return sum(items)\n',
        )

        const [first] = await server.requests()
        const sent = bodyOf(first!)
        expect(sent).toMatchObject({ model: `${family}-model`, ...spec.params })
        if (!('stop' in spec.params)) expect(sent.stop).toBeUndefined()
        const messages = messagesOf(first!)
        expect(messages[0]?.role).toBe('system')
        const user = messages.at(-1)!.content
        expectInOrder(user, [
          '# write a function that sums the prices of the items\n',
          'write a function that sums the prices of the items',
        ])
        if (family === 'deepseekcoder') expect(user.endsWith('### Response:')).toBe(true)
      },
    )
  })
}
