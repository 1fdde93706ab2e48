/**
 * The pieces of the prompt layer that are data and arithmetic: version constraints, the
 * registry's family lookup, Mustache rendering without escaping, Python-style JSON, and the
 * context window. Pure functions, run on both runtimes all the same.
 */
import { describe, expect, it } from 'vitest'
import { fitWindow } from '../../src/code/context-window.ts'
import { builtInPrompts } from '../../src/prompts/built-in.ts'
import { FAMILY_NAMES, findFamily, MODEL_FAMILIES } from '../../src/models/families.ts'
import { PromptRegistry } from '../../src/prompts/registry.ts'
import { renderMessages } from '../../src/prompts/render.ts'
import { pickVersion } from '../../src/prompts/version.ts'
import { HttpError } from '../../src/errors.ts'
import { pythonJson } from '../../src/streaming/python-json.ts'

const family = (name: string) => findFamily(name)!

function definition(overrides: Record<string, unknown> = {}) {
  return {
    prompt_id: 'test/prompt',
    family: 'base',
    version: '1.0.0',
    name: 'Test',
    unit_primitive: 'complete_code',
    messages: [{ role: 'user', template: '{{x}}' }],
    ...overrides,
  }
}

export function promptCases(runtime: 'node' | 'workerd') {
  describe(`prompt layer [${runtime}]`, () => {
    it('selects versions as GitLab does: exact strings first, then the newest stable version a range allows', () => {
      const versions = ['1.0.0', '1.1.0', '1.2.0-dev', '2.0.0', '2.0.1', '2.1.0-dev']
      expect(pickVersion(versions, '1.2.0-dev')).toBe('1.2.0-dev')
      expect(pickVersion(versions, '^1.0.0')).toBe('1.1.0')
      expect(pickVersion(versions, '^2.0.0')).toBe('2.0.1')
      expect(pickVersion(versions, '~2.0')).toBe('2.0.1')
      expect(pickVersion(versions, '>=1.0.0, <2.0.0')).toBe('1.1.0')
      expect(pickVersion(versions, '1.0.0')).toBe('1.0.0')
      expect(pickVersion(versions, '^3.0.0')).toBeUndefined()
      expect(pickVersion(versions, 'latest')).toBeUndefined()
      expect(pickVersion(['1.2.0-dev'], '^1.0.0')).toBeUndefined()
    })

    it('resolves both code prompts for every family: its own directory first, then base', () => {
      const prompts = builtInPrompts()
      const dirs = (id: string) =>
        Object.fromEntries(FAMILY_NAMES.map((name) => [name, prompts.resolve(id, family(name)).family]))
      expect(dirs('code_suggestions/completions')).toEqual({
        mistral: 'mistral',
        mixtral: 'mistral',
        codestral: 'codestral',
        llama3: 'llama3',
        codellama: 'codellama',
        codegemma: 'codegemma',
        deepseekcoder: 'deepseekcoder',
        gpt: 'gpt',
        claude_3: 'base',
        general: 'base',
        gemini: 'base',
        qwen: 'base',
      })
      expect(dirs('code_suggestions/generations')).toMatchObject({
        mixtral: 'mixtral',
        codestral: 'codestral',
        claude_3: 'base',
        qwen: 'base',
      })
      expect(prompts.resolve('code_suggestions/generations', family('general')).version).toBe('1.2.0')
      for (const definition of prompts.all().filter((d) => d.id.startsWith('code_suggestions/'))) {
        expect(definition.unitPrimitive).toBe(
          definition.id === 'code_suggestions/completions' ? 'complete_code' : 'generate_code',
        )
        expect(definition.timeoutS).toBe(60)
      }
    })

    it('answers unknown prompts and versions with a 400 that lists what exists', () => {
      const prompts = builtInPrompts()
      const attempt = (run: () => unknown): HttpError => {
        try {
          run()
        } catch (error) {
          return error as HttpError
        }
        throw new Error('expected a failure')
      }
      const unknown = attempt(() => prompts.resolve('chat/nothing', family('mistral')))
      expect(unknown).toBeInstanceOf(HttpError)
      expect(unknown.status).toBe(400)
      expect(unknown.message).toMatch(
        /^Prompt 'chat\/nothing' not found; available: .*\bcode_suggestions\/completions, code_suggestions\/generations\b/,
      )
      expect(
        attempt(() => prompts.resolve('code_suggestions/generations', family('gpt'), '^2.0.0')).message,
      ).toBe(
        "No version matching '^2.0.0' for prompt 'code_suggestions/generations' (model family 'gpt'); available: 1.0.0",
      )
    })

    it('refuses malformed or duplicate definitions when it is built, naming them', () => {
      expect(() => new PromptRegistry([definition({ messages: [] })])).toThrow(
        /^Invalid prompt definition test\/prompt\/base: messages/,
      )
      expect(() => new PromptRegistry([definition({ model_params: { temperature: 'hot' } })])).toThrow(
        /model_params\.temperature/,
      )
      expect(() => new PromptRegistry([definition(), definition()])).toThrow(
        'Duplicate prompt definition test/prompt/base/1.0.0',
      )
    })

    it('renders templates without HTML escaping; null and missing variables are empty, never "None"', () => {
      const registry = new PromptRegistry([
        definition({
          messages: [
            { role: 'system', template: ['a<{{x}}>&', '{{#items}}- {{.}}', '{{/items}}end'] },
            { role: 'user', template: '[{{missing}}][{{nothing}}]' },
          ],
        }),
      ])
      const prompt = registry.resolve('test/prompt', family('gpt'))
      expect(renderMessages(prompt, { x: '"<&>\'', items: ['one', 'two'], nothing: null })).toEqual([
        { role: 'system', content: 'a<"<&>\'>&\n- one\n- two\nend' },
        { role: 'user', content: '[][]' },
      ])
    })

    it('has the families of spec features §4.2 with their budgets and defaults', () => {
      expect(FAMILY_NAMES).toEqual([
        'mistral',
        'mixtral',
        'codestral',
        'llama3',
        'codellama',
        'codegemma',
        'deepseekcoder',
        'gpt',
        'claude_3',
        'general',
        'gemini',
        'qwen',
      ])
      expect(MODEL_FAMILIES.codegemma?.maxContextTokens).toBe(8000)
      expect(MODEL_FAMILIES.gpt?.params).toEqual({})
      expect(MODEL_FAMILIES.gemini?.params).toEqual({ temperature: 1, max_tokens: 65_536 })
      expect(findFamily('constructor')).toBeUndefined()
      expect(findFamily('__proto__')).toBeUndefined()
    })

    it("writes JSON as Python's json.dumps does: spaced separators, non-ASCII escaped", () => {
      expect(pythonJson({ a: [1, true, null], b: { c: 'x' } })).toBe(
        '{"a": [1, true, null], "b": {"c": "x"}}',
      )
      expect(pythonJson('héllo ✓ 😀 \u007f\u0001\n"\\')).toBe(
        '"h\\u00e9llo \\u2713 \\ud83d\\ude00 \\u007f\\u0001\\n\\"\\\\"',
      )
      expect(pythonJson({ skipped: undefined, n: 1.5 })).toBe('{"n": 1.5}')
      expect(JSON.parse(pythonJson({ text: 'ü\u2028' }))).toEqual({ text: 'ü\u2028' })
    })

    it('cuts editor content to the budget: the prefix keeps its end, the suffix its start, context fills what is left', () => {
      const above = 'a'.repeat(400)
      const below = 'b'.repeat(400)
      // 100 tokens, bounded by UTF-8 bytes: prefix 93 tokens = 93 bytes, suffix 7, no room left for context.
      const small = fitWindow(above, below, ['context'], 100)
      expect(small.prefix).toBe('a'.repeat(93))
      expect(small.suffix).toBe('b'.repeat(7))
      expect(small).toMatchObject({ contextTokensSent: 3, contextTokensUsed: 0 })
      const roomy = fitWindow('def f():\n', '\n', ['ctx one', 'ctx two'], 1000)
      expect(roomy.prefix).toBe('ctx one\nctx two\ndef f():\n')
      expect(roomy).toMatchObject({ suffix: '\n', contextTokensSent: 5, contextTokensUsed: 5 })
      // A cut never splits a surrogate pair.
      const emoji = fitWindow('😀'.repeat(200), '', [], 100).prefix
      expect(emoji.charCodeAt(0)).toBe(0xd83d)
      expect(emoji.length % 2).toBe(0)
    })

    it('never under-counts non-Latin text: what it keeps is within the budget in UTF-8 bytes, whatever the script', () => {
      // 100,000 CJK characters were 180,188 tokens on llama.cpp: three characters a token sent them whole.
      const encoder = new TextEncoder()
      for (const unit of ['中', 'é', '😀', 'Ж', 'a', '漢字かな😀x']) {
        const text = unit.repeat(100_000 / unit.length)
        for (const budget of [100, 1_000, 32_768]) {
          const window = fitWindow(text, text, [text], budget)
          const bytes = encoder.encode(window.prefix + window.suffix).byteLength
          expect(bytes, `${unit} ${budget}`).toBeLessThanOrEqual(budget)
          expect(bytes, `${unit} ${budget}`).toBeGreaterThan(budget * 0.9)
        }
      }
    })
  })
}
