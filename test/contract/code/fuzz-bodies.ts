/**
 * The bodies the code-suggestion fuzz suite (fuzz.contract.ts) sends: GitLab's own bodies, valid
 * bodies with varied values, the same mutated anywhere in the tree, truncated and arbitrary JSON,
 * arbitrary bytes, deep nesting and a rare body over the size limit, with GitLab's optional headers.
 */
import fc from 'fast-check'
import { inject } from 'vitest'
import { ideCompletion, ideGeneration, MODEL_KEY, v3Completion, v3Generation } from './fixtures.ts'

export const ROUTES = [
  { path: '/v2/code/completions', kind: 'v2-completion', shape: 'v2' },
  { path: '/v2/completions', kind: 'v2-completion', shape: 'v2' },
  { path: '/v2/code/generations', kind: 'v2-generation', shape: 'v2' },
  { path: '/v3/code/completions', kind: 'v3', shape: 'v3' },
  { path: '/v4/code/suggestions', kind: 'v3', shape: 'v4' },
] as const

export type Route = (typeof ROUTES)[number]
export type Mode = 'mock' | 'refusing'

// --- JSON trees with raw fragments --------------------------------------------------------------

/** JSON text put into a body as it is (nesting deeper than JSON.stringify could write, `__proto__` keys...). */
class Raw {
  readonly json: string
  constructor(json: string) {
    this.json = json
  }
}

export type Json = null | boolean | number | string | Raw | Json[] | JsonObject
interface JsonObject {
  [key: string]: Json | undefined
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Raw)

/** JSON text of a tree (absent object fields are left out, as JSON.stringify does). */
function serialize(value: Json | undefined): string {
  if (value instanceof Raw) return value.json
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : serialize(item))).join(',')}]`
  if (isObject(value)) {
    const fields: string[] = []
    for (const [key, field] of Object.entries(value))
      if (field !== undefined) fields.push(`${JSON.stringify(key)}:${serialize(field)}`)
    return `{${fields.join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

function clone(value: Json): Json {
  if (Array.isArray(value)) return value.map(clone)
  if (isObject(value)) {
    const copy: JsonObject = {}
    for (const [key, field] of Object.entries(value)) if (field !== undefined) setKey(copy, key, clone(field))
    return copy
  }
  return value
}

/** Sets an own property, also for `__proto__`. */
function setKey(target: JsonObject | Json[], key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

// --- Values ---------------------------------------------------------------------------------------

const FAMILIES = [
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
]
const OBJECT_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'toJSON',
  'hasOwnProperty',
  'length',
  'then',
  'isPrototypeOf',
]

const interesting = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udc00',
  'x\ud83d',
  '😀',
  '👨‍👩‍👧‍👦',
  '\u202emalicious.py',
  'مرحبا بالعالم',
  'שלום',
  '\r\n',
  '\n\n\n',
  '\t',
  '\\',
  '"',
  '\\_x\\_',
  '</s>',
  '<|fim_prefix|>',
  '[SUFFIX]',
  '```',
  '```python\n',
  '{{x}}',
  '{{#examples_array}}{{/examples_array}}',
  '${x}',
  '%s%n',
  'null',
  'NaN',
  '\ufeff',
  '\u2028\u2029',
  ...OBJECT_KEYS,
)

/** Strings at each of the schemas' length limits, and one over. */
const boundary = fc
  .constantFrom(50, 51, 100, 101, 255, 256, 1000, 1001, 1024, 1025, 2000, 2001)
  .map((n) => 'a'.repeat(n))

/** 1,000 to 300,000 UTF-16 units (the content limit 100,000 ± 1 often); cheap to make and to shrink. */
const huge = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('a', '😀', '\u0000', '\ud800', 'é', '\n', 'ab\r\n', ' '),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
    ),
    fc.oneof(fc.constantFrom(99_999, 100_000, 100_001), fc.integer({ min: 1000, max: 300_000 })),
  )
  .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n))

const text = fc.oneof(
  { weight: 8, arbitrary: fc.string() },
  { weight: 4, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 6, arbitrary: interesting },
  { weight: 1, arbitrary: boundary },
)

/** Editor content, never huge (for lists repeated up to 101 times). */
const snippet = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'def total(items):\n    ',
      '\n\nprint(total([]))\n',
      '',
      'import json\n\n# sum the prices\n',
    ),
  },
  { weight: 8, arbitrary: text },
)

/** Editor content: mostly ordinary, one time in 300 huge (big bodies are what costs time). */
const content = fc.oneof({ weight: 299, arbitrary: snippet }, { weight: 1, arbitrary: huge })

/** Nesting deeper than any schema: arrays, objects, both. */
const deep = fc
  .tuple(
    fc.constantFrom('array', 'object', 'mixed', 'proto'),
    fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 1000, max: 5000 }) },
      { weight: 2, arbitrary: fc.constant(10_000) },
      { weight: 1, arbitrary: fc.constant(100_000) },
    ),
  )
  .map(([kind, depth]) => {
    switch (kind) {
      case 'array':
        return new Raw('['.repeat(depth) + ']'.repeat(depth))
      case 'object':
        return new Raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))
      case 'mixed':
        return new Raw('[{"a":'.repeat(depth / 2) + '"x"' + '}]'.repeat(depth / 2))
      default:
        return new Raw('{"toString":['.repeat(depth / 2) + '{}' + ']}'.repeat(depth / 2))
    }
  })

const small = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, 1, -1, 1.5, 1e308, [], {}),
  text,
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
)

/** Objects with keys every JavaScript object already has. */
const objectKeyed = fc
  .array(fc.tuple(fc.constantFrom(...OBJECT_KEYS), small), { minLength: 1, maxLength: 3 })
  .map(
    (entries) =>
      new Raw(`{${entries.map(([key, value]) => `${JSON.stringify(key)}:${serialize(value)}`).join(',')}}`),
  )

/** A value of any JSON type, where a string (or anything else) was expected. */
const anything: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 36,
    arbitrary: fc.constantFrom<Json>(
      null,
      true,
      false,
      0,
      1,
      2,
      3,
      -1,
      1.5,
      -0,
      1e308,
      2 ** 53,
      [],
      {},
      '1',
      'true',
    ),
  },
  { weight: 36, arbitrary: text },
  { weight: 24, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 12, arbitrary: fc.array(text, { maxLength: 4 }) },
  { weight: 18, arbitrary: objectKeyed },
  // Big ones are rare: they cost time to send.
  { weight: 1, arbitrary: fc.oneof({ weight: 3, arbitrary: deep }, { weight: 1, arbitrary: huge }) },
)

/** The value or, one time in `freq`, no field at all. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>, freq = 4): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined, freq })
/** Mostly absent: one time in `freq` present. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, freq = 4): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: freq - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary })
const orAnything = <T extends Json>(arbitrary: fc.Arbitrary<T>, weight = 20): fc.Arbitrary<Json> =>
  fc.oneof({ weight, arbitrary }, { weight: 1, arbitrary: anything })

const fileName = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'app/billing.py',
      'main.go',
      'src/index.ts',
      'Makefile',
      'Dockerfile',
      'Dockerfile.dev',
      'CMakeLists.txt',
      '.bashrc',
      'x.',
      '.',
      '..',
      '../../etc/passwd',
      'C:\\dir\\file.JS',
      'dir/sub/',
      '',
      '   ',
      ' a.py ',
      'MAIN.PY',
      'x.C',
      'noext',
      'a.b.c.d',
      'x.tar.gz',
      'weird.😀',
      'ملف.py',
      'a.constructor',
      'a.__proto__',
      'a.toString',
      'a/b\\c.rb',
      'file.foo',
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), interesting) },
  { weight: 1, arbitrary: fc.constantFrom(250, 251, 252).map((n) => `${'a'.repeat(n)}.py`) },
)

const languageIdentifier = maybe(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom<Json>(
        null,
        'python',
        'PYTHON',
        ' python ',
        '',
        '   ',
        'javascriptreact',
        'plaintext',
        'unknownlang',
        'c',
        'C',
        'cpp',
        ...OBJECT_KEYS,
      ),
    },
    { weight: 2, arbitrary: text },
  ),
)

const modelName = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom(...FAMILIES) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'starcoder',
      '',
      '  ',
      ' codestral ',
      'CODESTRAL',
      'codestral-2501',
      ...OBJECT_KEYS,
    ),
  },
  { weight: 1, arbitrary: text },
)

const apiKey = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Json>(MODEL_KEY) },
  { weight: 6, arbitrary: fc.string({ minLength: 8, maxLength: 40 }).map((s) => `sk-${s}`) },
  // Characters an HTTP header cannot carry (control characters, beyond U+00FF).
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 8, maxLength: 20 }).map((s) => `sk-${s}`) },
  { weight: 1, arbitrary: fc.constantFrom<Json>('', null, 'x'.repeat(2000), 'y'.repeat(2001)) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), interesting) },
)

/** Where the model is: anything in mock mode (nothing is called); the refusing port otherwise. */
interface Models {
  /** The endpoint of the fixtures' bodies. */
  base: string
  endpoint: fc.Arbitrary<Json | undefined>
  identifier: fc.Arbitrary<Json | undefined>
  provider: fc.Arbitrary<Json>
  /** Whether a mutation may touch this path. */
  mutable(path: readonly (string | number)[]): boolean
  extraKeys: readonly string[]
}

function modelsFor(mode: Mode): Models {
  if (mode === 'mock') {
    return {
      base: 'http://no-model-server.invalid/v1',
      endpoint: fc.oneof(
        {
          weight: 16,
          arbitrary: fc.constantFrom<Json | undefined>(
            'http://no-model-server.invalid/v1',
            'http://127.0.0.1:1/v1',
            'https://models.example.com/v1/',
            'http://[::1]:8000/v1',
          ),
        },
        { weight: 4, arbitrary: fc.webUrl() },
        {
          weight: 3,
          arbitrary: fc.constantFrom<Json | undefined>(
            undefined,
            '',
            '  ',
            null,
            'not a url',
            'ftp://models.example.com/',
            'http://user:pass@models.example.com/v1',
            'http://models.example.com/v1?x=1',
            'http://models.example.com/#f',
            'http://169.254.169.254/v1',
            'http://[fe80::1]/v1',
            'http://metadata.google.internal/',
            'http://[::ffff:169.254.169.254]/',
            'http://0xa9.254.169.254/',
            'javascript:alert(1)',
            `http://${'a'.repeat(250)}/`,
            `http://models.example.com/${'a'.repeat(250)}`,
          ),
        },
        { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
        { weight: 1, arbitrary: text },
      ),
      identifier: fc.oneof(
        {
          weight: 16,
          arbitrary: fc.constantFrom<Json | undefined>(
            'custom_openai/Codestral-22B-v0.1',
            'Codestral-22B',
            '',
            null,
            undefined,
            'hosted_vllm/m',
            'ollama/m',
            'ollama_chat/m',
            'lm_studio/m',
            'text-completion-openai/m',
            'openai/gpt-4o',
            'azure/m',
            'anthropic/claude-3-5-sonnet',
            'mistral/m',
            'fireworks_ai/m',
          ),
        },
        {
          weight: 3,
          arbitrary: fc.constantFrom<Json | undefined>(
            '  ',
            '/',
            'custom_openai/',
            '/model',
            'unknown/model',
            'vertex_ai/codestral-2501',
            'bedrock/anthropic.claude-3-haiku',
            'codestral/m',
            '__proto__/m',
            'constructor/m',
            'toString/m',
          ),
        },
        { weight: 1, arbitrary: text },
      ),
      provider: fc.oneof(
        {
          weight: 16,
          arbitrary: fc.constantFrom<Json>(
            'openai',
            'api',
            'bedrock',
            'vertex_ai',
            'litellm',
            'custom_openai',
          ),
        },
        {
          weight: 2,
          arbitrary: fc.constantFrom<Json>(
            'gitlab',
            'amazon_q',
            '',
            'fireworks_ai',
            'mistral',
            ...OBJECT_KEYS,
          ),
        },
        { weight: 1, arbitrary: text },
      ),
      mutable: () => true,
      extraKeys: ['extra_field', 'model_metadata', 'stream', 'prompt_version', '', ...OBJECT_KEYS],
    }
  }
  // Only request-named endpoints (the refusing port): never a provider's public API.
  const refusing = `${inject('refusingUrl')}/v1`
  return {
    base: refusing,
    endpoint: fc.oneof(
      { weight: 12, arbitrary: fc.constant<Json | undefined>(refusing) },
      { weight: 1, arbitrary: fc.constantFrom<Json | undefined>(undefined, null, '') },
    ),
    identifier: fc.constantFrom<Json | undefined>(
      'custom_openai/Codestral-22B-v0.1',
      'hosted_vllm/m',
      'ollama/m',
      'ollama_chat/m',
      'lm_studio/m',
      'text-completion-openai/m',
      'Codestral-22B',
      '',
      null,
      undefined,
    ),
    provider: fc.constantFrom<Json>('openai', 'api', 'litellm', 'custom_openai', 'gitlab'),
    mutable: (path) => !['model_endpoint', 'model_identifier', 'model_metadata'].includes(String(path[0])),
    extraKeys: ['extra_field', 'stream', 'prompt_version', '', ...OBJECT_KEYS],
  }
}

// --- Valid (or nearly valid) bodies ------------------------------------------------------------

const messages = fc.array(
  fc.record({ role: fc.constantFrom<Json>('system', 'user', 'assistant'), content: text }),
  { maxLength: 4 },
)

/** `count` copies of an item (100 and 101 meet the schemas' array limits). */
const listOf = (item: fc.Arbitrary<Json>) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.array(item, { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(item, fc.constantFrom(99, 100, 101))
        .map(([one, count]) => Array.from({ length: count }, () => one)),
    },
  )

function v2Body(models: Models, generation: boolean): fc.Arbitrary<Json> {
  const base = fc.record({
    project_path: maybe(orAnything(fc.constant('acme/payments'))),
    project_id: maybe(orAnything(fc.oneof(fc.constant(42), fc.integer()))),
    current_file: fc.record({
      file_name: fileName,
      content_above_cursor: content,
      content_below_cursor: content,
      language_identifier: languageIdentifier,
    }),
    intent: maybe(fc.constantFrom<Json>('completion', 'generation')),
    stream: fc.oneof(
      { weight: 2, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    context: maybe(
      listOf(fc.record({ type: fc.constantFrom<Json>('file', 'snippet'), name: fileName, content: snippet })),
    ),
    model_provider: fc.oneof(
      { weight: 24, arbitrary: fc.constantFrom<Json | undefined>('litellm', 'codestral') },
      {
        weight: 2,
        arbitrary: fc.constantFrom<Json | undefined>(
          'anthropic',
          'vertex-ai',
          'fireworks_ai',
          'amazon_q',
          'gitlab',
          'openai',
          null,
          undefined,
        ),
      },
    ),
    model_name: maybe(modelName, 30),
    model_endpoint: models.endpoint,
    model_api_key: maybe(apiKey),
    model_identifier: models.identifier,
    telemetry: rarely(
      fc.array(
        fc.record({
          model_engine: maybe(fc.string()),
          model_name: maybe(fc.string()),
          lang: maybe(fc.string()),
          requests: fc.integer(),
          accepts: fc.integer(),
          errors: fc.integer(),
        }),
        { maxLength: 11 },
      ),
    ),
    choices_count: rarely(fc.integer()),
    prompt_id: maybe(
      fc.constantFrom<Json>(
        'code_suggestions/generations',
        'code_suggestions/completions',
        'unknown/prompt',
        '',
        ' ',
      ),
    ),
    role_arn: rarely(text, 8),
  })
  const prompt = generation
    ? fc.oneof(
        fc.constant({ prompt_version: 1 }),
        fc.record({
          prompt_version: fc.constant(2),
          prompt: fc.oneof(fc.constant('write a function that sums the prices of the items'), text),
        }),
        fc.record({ prompt_version: fc.constant(3), prompt: messages }),
      )
    : fc.oneof(
        fc.constant({ prompt_version: 1 }),
        fc.record({ prompt_version: fc.constant(2), prompt: maybe(fc.oneof(fc.constant<Json>(null), text)) }),
        fc.record({
          prompt_version: fc.constant(3),
          prompt: maybe(fc.oneof(fc.constant<Json>(null), messages)),
        }),
      )
  return fc.tuple(base, prompt).map(([fields, version]): Json => ({ ...fields, ...version }) as JsonObject)
}

const componentMetadata = maybe(orAnything(fc.constant<Json>({ source: 'gitlab-lsp', version: '8.2.0' }), 40))
const payloadProvider = rarely(
  fc.constantFrom<Json>('vertex-ai', 'anthropic', 'amazon_q', 'litellm', null),
  16,
)

const editorFields = {
  file_name: fileName,
  content_above_cursor: content,
  content_below_cursor: content,
  language_identifier: languageIdentifier,
  model_provider: payloadProvider,
  model_name: rarely(text, 6),
  stream: fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  role_arn: rarely(text, 8),
}

const completionComponent = fc.record({
  type: fc.constant('code_editor_completion'),
  payload: fc.record({
    ...editorFields,
    choices_count: rarely(fc.integer(), 6),
    prompt: rarely(fc.oneof(text, messages, fc.constant(null)), 6),
  }),
  metadata: componentMetadata,
})

const listish = maybe(
  fc.oneof(
    { weight: 4, arbitrary: fc.array(text, { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.array(anything, { maxLength: 3 }) },
    { weight: 1, arbitrary: anything },
  ),
)

const promptEnhancer = fc.record({
  examples_array: maybe(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(
          fc.record({
            example: orAnything(text, 3),
            response: orAnything(text, 3),
            trigger_type: maybe(
              orAnything(fc.constantFrom<Json>('comment', 'empty_function', 'small_file'), 3),
            ),
          }),
          { maxLength: 3 },
        ),
      },
      { weight: 1, arbitrary: fc.array(anything, { maxLength: 3 }) },
      { weight: 1, arbitrary: anything },
    ),
  ),
  trimmed_content_above_cursor: maybe(orAnything(text)),
  trimmed_content_below_cursor: maybe(orAnything(text)),
  related_files: listish,
  related_snippets: listish,
  libraries: listish,
  user_instruction: maybe(orAnything(text, 3)),
})

const generationComponent = fc.record({
  type: fc.constant('code_editor_generation'),
  payload: fc.record({
    ...editorFields,
    prompt: rarely(text),
    prompt_id: maybe(
      fc.constantFrom<Json>(
        'code_suggestions/generations',
        'code_suggestions/completions',
        'unknown/prompt',
        '',
        ' ',
        null,
      ),
    ),
    prompt_enhancer: maybe(orAnything(promptEnhancer)),
    prompt_version: maybe(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom<Json>(
            '^1.0.0',
            '1.0.0',
            '1.1.0-dev',
            '3.0.2-dev',
            '1.2.0-dev',
            '1.2.0',
            '2.0.0',
            '2.0.1',
            '2.0.2-dev',
            '1.1.0',
            '2.0.3',
          ),
        },
        {
          weight: 2,
          arbitrary: fc.constantFrom<Json>(
            '~1',
            '>=1.0.0, <2.0.0',
            '*',
            '^99',
            'latest',
            '',
            ' ',
            '1.0.0 || 2.0.0',
            'x'.repeat(255),
            null,
          ),
        },
        { weight: 1, arbitrary: text },
      ),
    ),
  }),
  metadata: componentMetadata,
})

const contextComponent = fc.record({
  type: fc.constant('code_context'),
  payload: fc.record({ type: fc.constantFrom<Json>('file', 'snippet'), name: fileName, content: snippet }),
  metadata: componentMetadata,
})

function v3Body(models: Models): fc.Arbitrary<Json> {
  const first = fc.oneof(
    { weight: 12, arbitrary: completionComponent },
    { weight: 12, arbitrary: generationComponent },
    { weight: 1, arbitrary: contextComponent },
  )
  const unknownComponent = fc.record({
    type: fc.oneof(fc.constantFrom<Json>('code_editor', 'CODE_CONTEXT', ''), anything),
    payload: maybe(anything),
  })
  const rest = fc.oneof(
    { weight: 20, arbitrary: fc.array(contextComponent, { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.oneof(completionComponent, generationComponent, unknownComponent), {
        maxLength: 2,
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(contextComponent, fc.constantFrom(99, 100))
        .map(([one, count]) => Array.from({ length: count }, () => one)),
    },
  )
  const metadata = fc.oneof(
    {
      weight: 25,
      arbitrary: fc.record({
        provider: maybe(models.provider, 20),
        name: maybe(modelName, 20),
        endpoint: models.endpoint,
        api_key: maybe(apiKey),
        identifier: models.identifier,
      }),
    },
    { weight: 1, arbitrary: anything },
  )
  return fc.record({
    prompt_components: fc.tuple(first, rest).map(([one, others]): Json => [one, ...others]),
    model_metadata: maybe(metadata, 20),
  })
}

// --- Mutations ------------------------------------------------------------------------------------

type Path = (string | number)[]

interface Mutation {
  op: 'set' | 'delete' | 'extra'
  /** Picks the node (modulo the number of nodes). */
  at: number
  key: string
  value: Json
}

function mutations(models: Models): fc.Arbitrary<Mutation[]> {
  const mutation = fc.record({
    op: fc.oneof(
      { weight: 6, arbitrary: fc.constant('set' as const) },
      { weight: 3, arbitrary: fc.constant('delete' as const) },
      { weight: 2, arbitrary: fc.constant('extra' as const) },
    ),
    at: fc.nat(),
    key: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...models.extraKeys) },
      { weight: 1, arbitrary: fc.string() },
    ),
    value: anything,
  })
  return fc.array(mutation, { minLength: 1, maxLength: 4 })
}

/** Every node below the root, as paths. */
function nodes(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([...prefix, i])
      nodes(item, [...prefix, i], out)
    })
  } else if (isObject(value)) {
    for (const [key, field] of Object.entries(value)) {
      if (field === undefined) continue
      out.push([...prefix, key])
      nodes(field, [...prefix, key], out)
    }
  }
  return out
}

function at(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root
  for (const key of path)
    node =
      Array.isArray(node) || isObject(node)
        ? (node as Record<string | number, Json | undefined>)[key]
        : undefined
  return node
}

function mutate(body: Json, changes: readonly Mutation[], models: Models): Json {
  const root = clone(body)
  for (const change of changes) {
    const paths = nodes(root).filter((path) => models.mutable(path))
    if (change.op === 'extra') {
      const objects = [[] as Path, ...paths].filter((path) => isObject(at(root, path)))
      const target = at(root, objects[change.at % objects.length]!) as JsonObject
      setKey(target, change.key, clone(change.value))
      continue
    }
    if (paths.length === 0) continue
    const path = paths[change.at % paths.length]!
    const parent = at(root, path.slice(0, -1)) as JsonObject | Json[]
    const key = path.at(-1)!
    if (change.op === 'set') setKey(parent, key, clone(change.value))
    else if (Array.isArray(parent)) parent.splice(Number(key), 1)
    else delete parent[key]
  }
  return root
}

// --- Bodies ---------------------------------------------------------------------------------------

export interface Sent {
  body: string | Uint8Array<ArrayBuffer>
  headers: Record<string, string>
}

/** A body and (hidden from fast-check's reports) the tree it was written from, so the check need not parse it again. */
type Payload = Pick<Sent, 'body'>
const trees = new WeakMap<Payload, Json>()

function written(tree: Json): Payload {
  const payload = { body: serialize(tree) }
  trees.set(payload, tree)
  return payload
}

let oversized: string | undefined
/** Just over the gateway's 10 MiB body limit (made once). */
const overLimit = () => (oversized ??= `{"a":"${'x'.repeat(10 * 1024 * 1024)}"}`)

/** GitLab's own bodies (fixtures.ts), streamed or not. */
function fixture(route: Route, models: Models): fc.Arbitrary<Json> {
  const { base } = models
  return fc
    .tuple(fc.boolean(), fc.array(snippet, { maxLength: 2 }), fc.constantFrom('^1.0.0', '2.0.1', '1.2.0'))
    .map(([stream, context, promptVersion]) => {
      if (route.kind === 'v2-completion') return ideCompletion(base, { stream }) as Json
      if (route.kind === 'v2-generation') return ideGeneration(base, { stream }) as Json
      return (
        context.length % 2
          ? v3Completion(base, { stream, context: context as string[] })
          : v3Generation(base, { stream, promptVersion })
      ) as Json
    })
}

export function bodies(route: Route, mode: Mode): fc.Arbitrary<Sent> {
  const models = modelsFor(mode)
  const valid = fc.oneof(
    { weight: 1, arbitrary: fixture(route, models) },
    {
      weight: 8,
      arbitrary: route.kind === 'v3' ? v3Body(models) : v2Body(models, route.kind === 'v2-generation'),
    },
  )
  const body: fc.Arbitrary<Payload> = fc
    .oneof(
      { weight: 35, arbitrary: valid.map(written) },
      {
        weight: 40,
        arbitrary: fc
          .tuple(valid, mutations(models))
          .map(([tree, changes]) => written(mutate(tree, changes, models))),
      },
      { weight: 3, arbitrary: anything.map(written) },
      {
        weight: 14,
        arbitrary: fc.oneof(
          { weight: 6, arbitrary: fc.json() },
          { weight: 5, arbitrary: fc.string({ unit: 'binary' }) },
          { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => new Uint8Array(bytes)) },
        ),
      },
      {
        weight: 4,
        arbitrary: fc.tuple(valid, fc.nat()).map(([tree, n]) => {
          const json = serialize(tree)
          return json.slice(0, n % json.length)
        }),
      },
      {
        weight: 1,
        arbitrary: fc.oneof(
          { weight: 10_000, arbitrary: deep.map((raw) => raw.json) },
          // 10 MiB + 12 bytes, a 413 (1 in ~5,000 bodies: it costs time to send).
          { weight: 200, arbitrary: fc.constant(null).map(overLimit) },
        ),
      },
    )
    .map((payload) => (typeof payload === 'object' && 'body' in payload ? payload : { body: payload }))
  const headers = fc
    .record({
      verbose: fc.oneof(
        { weight: 4, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
      languageServer: maybe(fc.constantFrom('7.17.1', '8.2.0', 'v7.17.1', '7.17.0', '7', 'garbage', '')),
      flags: maybe(fc.constantFrom('', 'flag_a', 'flag_a, flag_b ,flag_a', ' , ', 'x'.repeat(300))),
    })
    .map(({ verbose, languageServer, flags }) => {
      const out: Record<string, string> = { 'x-gitlab-enabled-instance-verbose-ai-logs': String(verbose) }
      if (languageServer !== undefined) out['x-gitlab-language-server-version'] = languageServer
      if (flags !== undefined) out['x-gitlab-enabled-feature-flags'] = flags
      return out
    })
  return fc.tuple(body, headers).map(([payload, headers]) => {
    const sent = { body: payload.body, headers }
    const tree = trees.get(payload)
    if (tree !== undefined) requests.set(sent, tree)
    return sent
  })
}

/** The request each body was written from (bodies not written from a tree are parsed when small). */
export const requests = new WeakMap<Sent, Json>()
