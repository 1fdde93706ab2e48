/**
 * Prometheus metrics (spec platform §4.4) from the real Node entry as a process: traffic on the
 * API port (authenticated calls, a streamed code completion and a failing one against the fake
 * model server), then a scrape of the separate metrics port, checked by name, labels and count.
 * The API port never serves metrics. Workers have no second port (docs/operations.md "Metrics", docs/workers.md).
 */
import { join } from 'node:path'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../node-entry/server.ts'
import { ConfigError } from '../../src/config.ts'
import { ideCompletion } from '../contract/code/fixtures.ts'
import { streams } from '../contract/code/harness.ts'
import { gitlabHeaders, instanceToken, settingsFor, TOKEN_PATH } from '../contract/gitlab.ts'
import { newIssuer, type Tenant } from '../contract/issuer-client.ts'
import { newModelServer, type ModelServer } from '../contract/model-server-client.ts'
import { freePort, ROOT, startProcess, type Started } from './processes.ts'

const MAIN = join(ROOT, 'node-entry/main.ts')
const MODEL = { model_engine: 'custom_openai', model_name: 'Codestral-22B-v0.1' }
const COMPLETION = { handler: '/v2/code/completions', method: 'POST' }

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The Prometheus text format's samples (comments skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of match[2]?.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[key!] = value!
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  return samples
}

/** Sum of the samples named `name` whose labels include `labels`; undefined when there are none. */
function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  return matching.length ? matching.reduce((total, s) => total + s.value, 0) : undefined
}

describe('metrics on AIGW_FASTAPI__METRICS_PORT (node-entry/main.ts as a process)', () => {
  let issuer: Tenant
  let model: ModelServer
  let gateway: Started
  let metricsUrl: string
  let token: string

  beforeAll(async () => {
    ;[issuer, model] = [await newIssuer(), await newModelServer()]
    const [port, metricsPort] = [await freePort(), await freePort()]
    metricsUrl = `http://127.0.0.1:${metricsPort}`
    gateway = await startProcess(process.execPath, [MAIN], {
      port,
      env: {
        ...settingsFor(issuer),
        AIGW_FASTAPI__API_PORT: String(port),
        AIGW_FASTAPI__METRICS_HOST: '127.0.0.1',
        AIGW_FASTAPI__METRICS_PORT: String(metricsPort),
      },
    })
    token = await instanceToken(issuer, '18.x')
  })
  afterAll(async () => {
    if (gateway) expect(await gateway.stop('SIGTERM')).toBe(0)
  })

  const post = (path: string, body?: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: gitlabHeaders(token),
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  const scrape = async () => {
    const response = await fetch(`${metricsUrl}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    return parse(await response.text())
  }

  it('counts requests by route template, model calls with GitLab labels, tokens, TTFT, JWKS and the token cache', async () => {
    expect((await fetch(`${gateway.url}/monitoring/healthz`)).status).toBe(200)
    expect((await post(TOKEN_PATH)).status).toBe(200)
    expect((await post(TOKEN_PATH)).status).toBe(200)
    expect((await post('/no/such/route')).status).toBe(404)

    await model.script(streams(['def ', 'total']))
    const streamed = await post('/v2/code/completions', ideCompletion(`${model.url}/v1`, { stream: true }))
    expect(streamed.status).toBe(200)
    expect(await streamed.text()).toContain('total')

    await model.script({
      match: '/v1/chat/completions',
      status: 400,
      chunks: [{ text: '{"error":{"message":"bad request"}}' }],
    })
    const failed = await post('/v2/code/completions', ideCompletion(`${model.url}/v1`))
    expect(failed.status).toBeGreaterThanOrEqual(500)
    await failed.body?.cancel()

    // Stream bookkeeping ends when the upstream body settles, just after the client's last byte.
    await expect.poll(async () => sum(await scrape(), 'aigw_open_streams'), { timeout: 5000 }).toBe(0)
    const samples = await scrape()
    const value = (name: string, labels: Record<string, string> = {}) => sum(samples, name, labels)

    // HTTP: route templates, grouped statuses; probes and unmatched paths not recorded.
    expect(
      value('http_request_duration_seconds_count', { handler: TOKEN_PATH, method: 'POST', status: '2xx' }),
    ).toBe(2)
    expect(value('http_request_duration_seconds_count', { ...COMPLETION, status: '2xx' })).toBe(1)
    expect(value('http_request_duration_seconds_count', { ...COMPLETION, status: '5xx' })).toBe(1)
    expect(value('http_request_duration_seconds_bucket', { handler: TOKEN_PATH, le: '60' })).toBe(2)
    const handlers = new Set(
      samples.filter((s) => s.name.startsWith('http_request_duration_seconds')).map((s) => s.labels.handler),
    )
    expect([...handlers].sort()).toEqual(['/v1/code/user_access_token', '/v2/code/completions'])

    // Model calls, labelled as GitLab labels them.
    const ok = {
      ...MODEL,
      error: 'no',
      error_type: 'none',
      streaming: 'yes',
      feature_category: 'code_suggestions',
      unit_primitive: 'complete_code',
      finish_reason: 'stop',
    }
    const bad = {
      ...MODEL,
      error: 'yes',
      error_type: 'http_400',
      streaming: 'no',
      feature_category: 'code_suggestions',
      unit_primitive: 'complete_code',
      finish_reason: 'unknown',
    }
    expect(value('model_inferences_total', ok)).toBe(1)
    expect(value('model_inferences_total', bad)).toBe(1)
    expect(value('model_inferences_total')).toBe(2)
    expect(value('inference_request_duration_seconds_count', ok)).toBe(1)
    expect(value('inference_input_tokens_total', ok)).toBe(21)
    expect(value('inference_output_tokens_total', ok)).toBe(2)
    expect(value('inference_total_tokens_total', ok)).toBe(23)
    expect(value('inference_input_tokens_total', bad)).toBeUndefined()
    expect(value('model_inferences_in_flight', MODEL)).toBe(0)
    expect(
      value('aigw_time_to_first_token_seconds_count', { ...MODEL, feature_category: 'code_suggestions' }),
    ).toBe(1)
    expect(value('aigw_upstream_response_seconds_count', { ...MODEL, streaming: 'yes' })).toBe(1)
    // The 400 never answered 2xx: no upstream response time for it.
    expect(value('aigw_upstream_response_seconds_count', { ...MODEL, streaming: 'no' })).toBeUndefined()

    // The issuer's keys were fetched once; one token, verified once, then taken from the cache.
    expect(value('aigw_jwks_refreshes_total', { source: 'gitlab', outcome: 'success' })).toBe(1)
    expect(value('aigw_jwks_refreshes_total', { outcome: 'failure' })).toBeUndefined()
    expect(value('aigw_token_cache_lookups_total', { result: 'miss' })).toBe(1)
    expect(value('aigw_token_cache_lookups_total', { result: 'hit' })).toBe(4)

    // Node's process metrics come along.
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
  })

  it('counts a stream as open while it runs; a client hang-up ends it without counting an error', async () => {
    const before = await scrape()
    const calls = (samples: Sample[], labels: Record<string, string>) =>
      sum(samples, 'model_inferences_total', labels) ?? 0
    await model.script(streams(['def ', 'first'], { hang: true }))
    const response = await post('/v2/code/completions', ideCompletion(`${model.url}/v1`, { stream: true }))
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    while (!received.includes('first')) {
      const next = await reader.read()
      if (next.done) throw new Error('the stream ended early')
      received += next.value
    }
    const during = await scrape()
    expect(sum(during, 'aigw_open_streams')).toBe(1)
    expect(sum(during, 'model_inferences_in_flight', MODEL)).toBe(1)
    expect(calls(during, {})).toBe(calls(before, {}))

    await reader.cancel()
    await expect.poll(async () => sum(await scrape(), 'aigw_open_streams'), { timeout: 5000 }).toBe(0)
    const after = await scrape()
    expect(sum(after, 'model_inferences_in_flight', MODEL)).toBe(0)
    // The fake sent its finish and usage chunks before hanging: the call is complete but for `[DONE]`.
    const hungUp = { ...MODEL, error: 'no', error_type: 'none', streaming: 'yes', finish_reason: 'stop' }
    expect(calls(after, hungUp)).toBe(calls(before, hungUp) + 1)
    expect(calls(after, { error: 'yes' })).toBe(calls(before, { error: 'yes' }))
    expect(sum(after, 'aigw_time_to_first_token_seconds_count')).toBe(
      sum(before, 'aigw_time_to_first_token_seconds_count')! + 1,
    )
  })

  it('answers on any path of the metrics port, never on the API port', async () => {
    const anyPath = await fetch(`${metricsUrl}/`)
    expect(anyPath.status).toBe(200)
    expect(await anyPath.text()).toContain('# TYPE http_request_duration_seconds histogram')

    const api = await fetch(`${gateway.url}/metrics`)
    expect(api.status).toBe(404)
    expect(await api.json()).toEqual({ detail: 'Not Found' })
    const authenticated = await fetch(`${gateway.url}/metrics`, { headers: gitlabHeaders(token) })
    expect(authenticated.status).toBe(404)
    await authenticated.body?.cancel()
  })
})

describe('metrics settings (node-entry/server.ts in process)', () => {
  const quiet = { host: '127.0.0.1', port: 0, logSink: () => {} }
  const base = { AIGW_CUSTOMER_PORTAL_URL: '', AIGW_GITLAB_URL: 'http://127.0.0.1:9' }

  it('AIGW_FASTAPI__METRICS_PORT=0 turns the metrics server off', async () => {
    const server = await startServer({
      ...quiet,
      env: { ...base, AIGW_FASTAPI__METRICS_PORT: '0' },
      metrics: true,
    })
    try {
      expect(server.metricsUrl).toBeUndefined()
    } finally {
      await server.close(0)
    }
  })

  it('a metrics port already taken is logged; the API is served without metrics', async () => {
    const blocker = createServer()
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    )
    const lines: string[] = []
    const server = await startServer({
      ...quiet,
      logSink: (line) => lines.push(line),
      env: { ...base, AIGW_FASTAPI__METRICS_HOST: '127.0.0.1', AIGW_FASTAPI__METRICS_PORT: String(taken) },
      metrics: true,
    })
    try {
      expect(server.metricsUrl).toBeUndefined()
      expect((await fetch(`${server.url}/monitoring/healthz`)).status).toBe(200)
      expect(lines.join('\n')).toMatch(/Metrics server could not listen.*EADDRINUSE/)
    } finally {
      await server.close(0)
      blocker.close()
    }
  })

  it('serves metrics in process too when asked, and stops with the server', async () => {
    const metricsPort = await freePort()
    const server = await startServer({
      ...quiet,
      env: {
        ...base,
        AIGW_FASTAPI__METRICS_HOST: '127.0.0.1',
        AIGW_FASTAPI__METRICS_PORT: String(metricsPort),
      },
      metrics: true,
    })
    expect(server.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}`)
    expect((await fetch(`${server.metricsUrl}/metrics`)).status).toBe(200)
    await server.close(0)
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow()
  })

  it('without `metrics` (test servers) nothing listens on the metrics port', async () => {
    const server = await startServer({ ...quiet, env: base })
    try {
      expect(server.metricsUrl).toBeUndefined()
    } finally {
      await server.close(0)
    }
  })

  it('refuses an invalid port, naming the variable', async () => {
    await expect(
      startServer({ ...quiet, env: { ...base, AIGW_FASTAPI__METRICS_PORT: '70000' }, metrics: true }),
    ).rejects.toThrow(ConfigError)
    await expect(
      startServer({ ...quiet, env: { ...base, AIGW_FASTAPI__METRICS_PORT: 'x' } }),
    ).rejects.toThrow(/AIGW_FASTAPI__METRICS_PORT/)
  })
})
