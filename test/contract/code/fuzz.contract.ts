/**
 * Property-based fuzzing of the code-suggestion routes (spec features §0.4, §2): every route gets
 * 10,000 generated bodies on a mock-mode gateway (AIGW_MOCK_MODEL_RESPONSES, so valid bodies get a
 * 200 without a model server) and 1,000 more (144 in workerd) on a gateway whose model endpoint refuses connections
 * (so model failures are answered too). Whatever the body, the answer must be in the contract:
 *
 * - never a 5xx, except 502/504 `{"detail"}` when the body reached the refusing model server;
 * - JSON when not streamed: `{"detail": string}` for errors, the v2 envelope (v2 routes) or the v3
 *   envelope (v3/v4) for a 200; a 200 stream is `text/event-stream; charset=utf-8` and, on /v4,
 *   CRLF `event:`/`data:` frames from `stream_start` to `stream_end`, read to the end;
 * - never a stack trace, never the request's `model_api_key` / `model_metadata.api_key` (≥ 8 chars),
 *   and no `sk-…` key in the gateway's log lines either; no `Unhandled error` logged at all.
 *
 * Bodies (fuzz-bodies.ts): valid GitLab bodies (fixtures.ts shapes) with varied field values, the
 * same with 1–4 mutations anywhere in the tree (wrong types, huge strings, unicode and lone
 * surrogates, deleted fields, unknown keys, `__proto__`/`toString`-style keys, nesting
 * 1,000–100,000 levels deep), truncated JSON, arbitrary JSON, arbitrary text and bytes, and a rare
 * body over the 10 MiB limit.
 *
 * Concurrency: each route runs LANES independent `fc.assert` runs side by side (one gateway per
 * route), each sequential, so that a counterexample is one body and shrinks to a minimal one.
 *
 * Reproducing: every lane runs with the fixed seed `FUZZ_SEED + 1000 * route index + lane` (mock
 * mode) or `+ 500 +` that (refusing mode). fast-check's failure report names that seed and the
 * failing `path`; set `REPLAY` below to `{ seed, path }` and pick the route's test with `-t` to
 * run only that case (already shrunk) again.
 *
 * Cost: ~1 ms a body on Node (client and server share one thread), less in workerd; the big
 * bodies (huge strings, deep nesting, the 413) are kept rare for that reason.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { gitlabHeaders } from '../gitlab.ts'
import type { Target } from '../target.ts'
import { bodies, requests, ROUTES, type Mode, type Route, type Sent } from './fuzz-bodies.ts'
import { codeSetup, expectNoSecrets, type CodeSetup } from './harness.ts'

/** The base seed of every lane (see the file comment). */
export const FUZZ_SEED = 20_251_117

/** Set to fast-check's reported `{ seed, path }` to replay one failure (all other lanes are skipped). */
const REPLAY: { seed: number; path: string } | undefined = undefined

/** Concurrent `fc.assert` runs per route (48 did best of 16, 32, 48 and 64 on 2 cores). */
const LANES = 48
/** Bodies per lane on the mock-mode gateway: LANES × this ≥ 10,000 per route. */
const MOCK_RUNS = 209
/**
 * Bodies per lane on the refusing gateway: LANES × this ≥ 1,000 per route on Node. workerd prints
 * an "Uncaught (in promise) Network connection lost" line of its own for every refused fetch
 * (even a bare `fetch(url)`, caught), so there 144 per route keep the output readable.
 */
const REFUSING_RUNS = { node: 21, workerd: 3 } as const
/** Longest wait for one answer (read to its end). */
const ANSWER_TIMEOUT_MS = 30_000

// --- Checking the answers -----------------------------------------------------------------------

interface Answer {
  status: number
  contentType: string
  text: string
}

async function exchange(setup: CodeSetup, path: string, sent: Sent): Promise<Answer> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no complete answer within ${ANSWER_TIMEOUT_MS} ms`)),
      ANSWER_TIMEOUT_MS,
    )
  })
  try {
    return await Promise.race([
      (async () => {
        const response = await setup.gateway.fetch(path, {
          method: 'POST',
          headers: gitlabHeaders(setup.token, sent.headers),
          body: sent.body,
        })
        // Read to the end: a stream that breaks rejects here.
        const text = new TextDecoder().decode(await response.arrayBuffer())
        return { status: response.status, contentType: response.headers.get('content-type') ?? '', text }
      })(),
      timeout,
    ])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

function parsed(sent: Sent): unknown {
  if (requests.has(sent)) return requests.get(sent)
  if (typeof sent.body !== 'string' || sent.body.length > 100_000) return undefined
  try {
    return JSON.parse(sent.body) as unknown
  } catch {
    return undefined
  }
}

const get = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null && Object.hasOwn(node, key)
        ? (node as Record<string, unknown>)[key]
        : undefined,
    value,
  )

/** Whether the request asked for a stream (only a valid `true` does). */
function streamed(route: Route, request: unknown): boolean {
  return (
    (route.kind === 'v3'
      ? get(request, 'prompt_components', 0, 'payload', 'stream')
      : get(request, 'stream')) === true
  )
}

/** The keys the request sent (≥ 8 chars), unless the same text is elsewhere in the body (the gateway may echo that field). */
function secrets(sent: Sent, request: unknown): string[] {
  const keys = [get(request, 'model_api_key'), get(request, 'model_metadata', 'api_key')]
  return keys.filter((key): key is string => {
    if (typeof key !== 'string' || key.length < 8) return false
    const encoded = JSON.stringify(key).slice(1, -1)
    return (sent.body as string).split(encoded).length === 2
  })
}

const STACK_LINE = /^\s+at .*(?:\(.*:\d+:\d+\)|:\d+:\d+)$/m

class Violation extends Error {}

function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Violation(message)
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isInt = (value: unknown): boolean => Number.isInteger(value)

function checkChoices(choices: unknown): void {
  ensure(Array.isArray(choices), 'choices is not an array')
  for (const choice of choices) {
    ensure(
      isString(get(choice, 'text')) &&
        get(choice, 'index') === 0 &&
        get(choice, 'finish_reason') === 'length',
      `bad choice ${JSON.stringify(choice)}`,
    )
  }
}

function checkModel(model: unknown, where: string): void {
  ensure(
    isString(get(model, 'engine')) && isString(get(model, 'name')) && isString(get(model, 'lang')),
    `${where}: engine, name, lang must be strings`,
  )
}

function checkFlags(flags: unknown): void {
  ensure(
    Array.isArray(flags) && flags.every(isString),
    'metadata.enabled_feature_flags is not an array of strings',
  )
}

/** §2.1, §3.4: the v2 envelope. */
function checkV2(body: unknown): void {
  ensure(get(body, 'id') === 'id', 'id is not "id"')
  ensure(get(body, 'object') === 'text_completion', 'object is not "text_completion"')
  ensure(isInt(get(body, 'created')), 'created is not an integer')
  ensure(Array.isArray(get(body, 'experiments')), 'experiments is not an array')
  checkChoices(get(body, 'choices'))
  checkModel(get(body, 'model'), 'model')
  ensure(isString(get(body, 'model', 'region')), 'model.region is not a string')
  const tokens = get(body, 'model', 'tokens_consumption_metadata')
  ensure(
    tokens === null ||
      ['input_tokens', 'output_tokens', 'context_tokens_sent', 'context_tokens_used'].every((key) =>
        isInt(get(tokens, key)),
      ),
    'model.tokens_consumption_metadata is neither null nor token counts',
  )
  checkFlags(get(body, 'metadata', 'enabled_feature_flags'))
}

/** §2.3: the v3 envelope (v3 and v4 not streamed). */
function checkV3(body: unknown): void {
  checkChoices(get(body, 'choices'))
  checkModel(get(body, 'model'), 'model')
  checkModel(get(body, 'metadata', 'model'), 'metadata.model')
  ensure(
    JSON.stringify(get(body, 'model')) === JSON.stringify(get(body, 'metadata', 'model')),
    'model and metadata.model differ',
  )
  ensure(isInt(get(body, 'metadata', 'timestamp')), 'metadata.timestamp is not an integer')
  ensure(get(body, 'metadata', 'region') === null, 'metadata.region is not null')
  checkFlags(get(body, 'metadata', 'enabled_feature_flags'))
}

/** §2.4: `event:`/`data:` CRLF frames, stream_start first, content_chunks, stream_end last. */
function checkSse(text: string): void {
  ensure(text.endsWith('\r\n\r\n'), 'the stream does not end with a blank line')
  const frames = text.slice(0, -4).split('\r\n\r\n')
  const events = frames.map((frame) => {
    const match = /^event: (stream_start|content_chunk|stream_end)\r\ndata: ([^\r\n]*)$/.exec(frame)
    ensure(match, `not an SSE frame: ${JSON.stringify(frame.slice(0, 200))}`)
    let data: unknown
    try {
      data = JSON.parse(match[2]!)
    } catch {
      throw new Violation(`data is not JSON: ${JSON.stringify(match[2]!.slice(0, 200))}`)
    }
    return { event: match[1]!, data }
  })
  ensure(
    events.length >= 2 && events[0]!.event === 'stream_start' && events.at(-1)!.event === 'stream_end',
    `events ${events.map((e) => e.event).join(',')}`,
  )
  const start = events[0]!.data
  ensure(
    get(start, 'metadata', 'model', 'engine') === 'agent' &&
      isString(get(start, 'metadata', 'model', 'name')),
    'stream_start: model is not {engine: "agent", name}',
  )
  ensure(
    isInt(get(start, 'metadata', 'timestamp')) && isString(get(start, 'metadata', 'region')),
    'stream_start: timestamp or region missing',
  )
  checkFlags(get(start, 'metadata', 'enabled_feature_flags'))
  ensure(events.at(-1)!.data === null, 'stream_end data is not null')
  for (const chunk of events.slice(1, -1)) {
    ensure(chunk.event === 'content_chunk', `${chunk.event} in the middle of the stream`)
    ensure(
      isString(get(chunk.data, 'choices', 0, 'delta', 'content')) &&
        get(chunk.data, 'choices', 0, 'index') === 0,
      'content_chunk without choices[0].delta.content',
    )
  }
}

/** The contract for one answer; throws a Violation saying what is wrong. */
function checkAnswer(
  route: Route,
  mode: Mode,
  sent: Sent,
  answer: Answer,
  logs: readonly string[] = [],
): void {
  const request = parsed(sent)
  const { status, contentType, text } = answer
  const modelFailure = mode === 'refusing' && (status === 502 || status === 504)
  ensure(
    status === 200 || (status >= 400 && status < 500 && status !== 401) || modelFailure,
    `status ${status}`,
  )
  ensure(!STACK_LINE.test(text), 'a stack trace in the answer')
  for (const key of secrets(sent, request)) {
    const escaped = JSON.stringify(key).slice(1, -1)
    ensure(!text.includes(key) && !text.includes(escaped), "the request's API key in the answer")
    // Lines written while this request ran, other requests' too: only keys no other field could hold (`sk-…`).
    if (!key.startsWith('sk-')) continue
    const leak = logs.find((line) => line.includes(key) || line.includes(escaped))
    ensure(
      leak === undefined,
      `the request's API key ${JSON.stringify(key)} in the gateway's logs: ${leak?.slice(0, 600)}`,
    )
  }
  if (status === 200 && streamed(route, request)) {
    ensure(contentType === 'text/event-stream; charset=utf-8', `a stream as ${contentType}`)
    if (route.shape === 'v4') checkSse(text)
    return
  }
  ensure(contentType.startsWith('application/json'), `${status} as ${contentType || 'no content type'}`)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new Violation(`${status} body is not JSON`)
  }
  if (status !== 200) {
    ensure(
      typeof body === 'object' &&
        body !== null &&
        !Array.isArray(body) &&
        Object.keys(body).join() === 'detail' &&
        isString(get(body, 'detail')),
      `${status} body is not {"detail": string}`,
    )
    return
  }
  if (route.shape === 'v2') checkV2(body)
  else checkV3(body)
}

const preview = (value: string | Uint8Array, max = 1500) => {
  const shown = typeof value === 'string' ? value : `<${value.length} bytes>`
  return shown.length > max
    ? `${JSON.stringify(shown.slice(0, max))}… (${shown.length} chars)`
    : JSON.stringify(shown)
}

// --- The suites -----------------------------------------------------------------------------------

export function codeFuzzContract(target: Target) {
  describe(`code suggestions: fuzzed bodies [${target.runtime}]`, () => {
    const setUp = codeSetup(target)
    const summary: string[] = []
    afterAll(() => {
      if (summary.length) console.info(`code fuzz [${target.runtime}]\n${summary.join('\n')}`)
    })

    const run = async (route: Route, routeIndex: number, mode: Mode) => {
      // Every provider is set up (a vertex_ai/ model needs a project): the bodies' own problems are what is fuzzed here.
      const setup = await setUp(
        mode === 'mock'
          ? { AIGW_MOCK_MODEL_RESPONSES: 'true', AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT: 'fuzz-project' }
          : { AIGW_UPSTREAM__TIMEOUT_S: '0.3' },
      )
      const statuses = new Map<number, number>()
      let sent = 0
      const property = fc.asyncProperty(bodies(route, mode), async (body) => {
        sent++
        let answer: Answer
        const logged = setup.gateway.logs().length
        try {
          answer = await exchange(setup, route.path, body)
        } catch (error) {
          throw new Violation(
            `${route.path} [${mode}]: no answer (${String(error)})\n  body: ${preview(body.body)}\n  headers: ${JSON.stringify(body.headers)}`,
          )
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
        try {
          checkAnswer(route, mode, body, answer, setup.gateway.logs().slice(logged))
        } catch (error) {
          if (!(error instanceof Violation)) throw error
          throw new Violation(
            `${route.path} [${mode}]: ${error.message}\n  body: ${preview(body.body)}\n  headers: ${JSON.stringify(body.headers)}\n` +
              `  answer: ${answer.status} ${answer.contentType} ${preview(answer.text, 600)}`,
          )
        }
      })
      const started = performance.now()
      const seedOf = (lane: number) => FUZZ_SEED + 1000 * routeIndex + (mode === 'mock' ? 0 : 500) + lane
      const runs = mode === 'mock' ? MOCK_RUNS : REFUSING_RUNS[target.runtime]
      const lanes = REPLAY
        ? [
            fc.assert(property, {
              seed: REPLAY.seed,
              path: REPLAY.path,
              endOnFailure: true,
              includeErrorInReport: true,
            }),
          ]
        : Array.from({ length: LANES }, (_, lane) =>
            fc.assert(property, { numRuns: runs, seed: seedOf(lane), includeErrorInReport: true }),
          )
      const results = await Promise.allSettled(lanes)
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      const histogram = [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}: ${count}`)
        .join(', ')
      summary.push(`  ${route.path} [${mode}]: ${sent} bodies in ${seconds} s (${histogram})`)
      // Every failing lane's shrunk counterexample (several bugs at once), first three in full.
      const failed = results
        .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
        .map((result) => result.reason as Error)
      if (failed.length === 1) throw failed[0]
      if (failed.length > 1) {
        const reports = failed
          .slice(0, 3)
          .map((error, i) => `--- failing lane ${i + 1} of ${failed.length} ---\n${error.message}`)
        throw new Error(`${failed.length} of ${lanes.length} lanes failed\n${reports.join('\n')}`)
      }
      if (REPLAY) return
      expect(sent).toBeGreaterThanOrEqual(LANES * runs)
      // The generators must keep reaching the model call, not only the validation.
      if (mode === 'mock') expect(statuses.get(200) ?? 0, 'share of 200 answers').toBeGreaterThan(sent * 0.1)
      else expect(statuses.get(502) ?? 0, 'share of model failures (502)').toBeGreaterThan(sent * 0.1)
      expect(setup.gateway.logs().filter((line) => line.includes('Unhandled error'))).toEqual([])
      expectNoSecrets(setup.gateway)
    }

    ROUTES.forEach((route, index) => {
      it(
        `${route.path}: ${LANES * MOCK_RUNS} bodies, mock model: no 5xx, every answer in the contract`,
        () => run(route, index, 'mock'),
        180_000,
      )
    })
    ROUTES.forEach((route, index) => {
      it(
        `${route.path}: ${LANES * REFUSING_RUNS[target.runtime]} bodies, refusing model server: only 502/504 {"detail"} as 5xx`,
        () => run(route, index, 'refusing'),
        180_000,
      )
    })
  })
}
