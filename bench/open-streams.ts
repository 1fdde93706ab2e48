/**
 * Memory of many concurrent open streams: opens N SSE streams through the gateway (one undici
 * Pool connection each) to the mock's /hold upstream, waits until every one has its first event,
 * reads the gateway's VmRSS, releases them at the mock, waits until all have ended and the
 * connections are closed, and reads VmRSS again.
 */
import { Pool } from 'undici'
import { memoryOf, sleep } from './processes.ts'

export interface OpenStreamsSpec {
  /** The gateway's origin, e.g. http://127.0.0.1:5052 */
  origin: string
  path: string
  headers: Readonly<Record<string, string>>
  body: string
  streams: number
  /** The process whose memory is read (the gateway, or workerd). */
  pid: number
  /** The mock upstream's origin, for /control/release and /control/held. */
  mockOrigin: string
}

export interface OpenStreamsResult {
  streams: number
  baselineMiB: number
  openMiB: number
  afterMiB: number
  /** Streams the mock saw held open at the same time (proves they all reached the upstream). */
  heldAtUpstream: number
  /** Time until every stream had its first event. */
  openSeconds: number
  /** Streams that failed or had no first event in time. */
  failed: number
  /** The first problem, for the table. */
  firstFailure?: string
}

/** How long all streams get to have their first event, and then to end after the release. */
const TIMEOUT_MS = 30_000

export async function openStreams(spec: OpenStreamsSpec): Promise<OpenStreamsResult> {
  const baselineMiB = memoryOf(spec.pid).rssMiB
  const pool = new Pool(spec.origin, {
    connections: spec.streams,
    pipelining: 1,
    headersTimeout: 0,
    bodyTimeout: 0,
  })
  const failures: string[] = []
  const counts = { first: 0, ended: 0, failed: 0 }
  const started = performance.now()
  const streams = Array.from({ length: spec.streams }, () => openOne(pool, spec, failures, counts))
  const allFirst = await within(Promise.all(streams.map((s) => s.first)), TIMEOUT_MS)
  const openSeconds = (performance.now() - started) / 1000
  const held = await heldAtMock(spec.mockOrigin)
  await sleep(500)
  const openMiB = memoryOf(spec.pid).rssMiB
  const withoutFirstEvent = spec.streams - counts.first
  if (!allFirst) {
    failures.unshift(
      `only ${counts.first} of ${spec.streams} streams had their first event after ${TIMEOUT_MS / 1000} s, ${held} held at the mock`,
    )
  }

  // Streams a gateway queued (rather than forwarding) reach the mock only once others end: release until all have ended.
  const allEnded = Promise.all(streams.map((s) => s.ended))
  const deadline = Date.now() + TIMEOUT_MS
  let ended = false
  while (!ended && Date.now() < deadline) {
    await (await fetch(`${spec.mockOrigin}/control/release`, { method: 'POST' })).arrayBuffer()
    ended = await within(allEnded, 250)
  }
  if (!ended)
    failures.push(
      `${spec.streams - counts.ended} streams had not ended ${TIMEOUT_MS / 1000} s after the release`,
    )
  await pool.destroy()
  await sleep(2000)
  const afterMiB = memoryOf(spec.pid).rssMiB
  return {
    streams: spec.streams,
    baselineMiB,
    openMiB,
    afterMiB,
    heldAtUpstream: held,
    openSeconds,
    failed: counts.failed + withoutFirstEvent,
    firstFailure: failures[0],
  }
}

async function heldAtMock(mockOrigin: string): Promise<number> {
  const { held } = (await (await fetch(`${mockOrigin}/control/held`)).json()) as { held: number }
  return held
}

interface OpenStream {
  /** Resolves once the first bytes arrived (or the stream failed). */
  first: Promise<void>
  /** Resolves once the body ended (or the stream failed). */
  ended: Promise<void>
}

function openOne(
  pool: Pool,
  spec: OpenStreamsSpec,
  failures: string[],
  counts: { first: number; ended: number; failed: number },
): OpenStream {
  let markFirst = () => {}
  let markEnded = () => {}
  const first = new Promise<void>((resolve) => (markFirst = resolve)).then(() => void counts.first++)
  const ended = new Promise<void>((resolve) => (markEnded = resolve)).then(() => void counts.ended++)
  const fail = (message: string) => {
    counts.failed++
    failures.push(message)
    markFirst()
    markEnded()
  }
  pool
    .request({ method: 'POST', path: spec.path, headers: spec.headers, body: spec.body })
    .then(({ statusCode, body }) => {
      if (statusCode !== 200) {
        void body.text().then(
          (text) => fail(`HTTP ${statusCode}: ${text.slice(0, 200)}`),
          () => fail(`HTTP ${statusCode}`),
        )
        return
      }
      body.once('data', () => markFirst())
      body.on('data', () => {})
      body.once('end', () => markEnded())
      body.once('error', (error: Error) => fail(error.message))
    })
    .catch((error: Error) => fail(error.message))
  return { first, ended }
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
