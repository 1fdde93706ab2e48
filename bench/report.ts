/**
 * The benchmark's tables, as Markdown (printed and written to bench/results/latest.md), and the
 * project's performance targets beside the measured figures. The marks only help reading: nothing here fails
 * a run because of a number.
 */
import type { LoadResult } from './load.ts'
import type { OpenStreamsResult } from './open-streams.ts'
import { ONE_CONNECTION_ROWS, ROWS, type Row, type RowName } from './scenarios.ts'
import type { TargetName } from './targets.ts'

export interface RowResult {
  target: TargetName
  row: Row
  connections: number
  load?: LoadResult
  /** VmHWM of the measured process. */
  peakMiB?: number
  /** CPU seconds of the measured process during the measured window. */
  cpuSeconds?: number
  /** CPU seconds of the mock upstream during the measured window (proxied rows only). */
  upstreamCpuSeconds?: number
  /** CPU seconds of wrk (or autocannon) during the measured window. */
  loadGeneratorCpuSeconds?: number
  /** Busy CPU seconds of the machine not accounted for by the above: interference. */
  otherCpuSeconds?: number
  error?: string
}

export interface StreamsRun {
  target: TargetName
  result?: OpenStreamsResult
  error?: string
}

export interface Report {
  header: string[]
  throughput: RowResult[]
  oneConnection: RowResult[]
  streams: StreamsRun[]
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits)
const thousands = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US')
const cpuPerRequestUs = (r: RowResult | undefined) =>
  r?.load && r.cpuSeconds !== undefined && r.load.requests > 0
    ? (r.cpuSeconds / r.load.requests) * 1e6
    : undefined

/** Failed answers of a row: other statuses than expected plus socket errors (wrk/autocannon). */
export function failuresOf(r: RowResult): number {
  return r.load ? r.load.unexpected + r.load.socketErrors : 0
}

function find(rows: readonly RowResult[], target: TargetName, row: RowName): RowResult | undefined {
  return rows.find((r) => r.target === target && r.row.name === row && !r.error)
}

function table(head: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n')
}

/** The row of the minimal proxy and of direct that `row` is compared with. */
const counterpart = (row: Row): RowName => row.comparedWith ?? row.name

/** Short names of the rows compared at one connection, for the column heads. */
const SHORT: Partial<Record<RowName, string>> = { sse: 'SSE', json: 'JSON', code: 'code', chat: 'chat' }

/** " of the SSE row" where a row is compared with another row than itself. */
const ofCounterpart = (row: Row) =>
  row.comparedWith ? ` of the ${SHORT[row.comparedWith] ?? row.comparedWith} row` : ''

function throughputTable(rows: readonly RowResult[]): string {
  const body = rows.map((r) => {
    const minimal = find(rows, 'minimal proxy', counterpart(r.row))
    const ratio =
      minimal?.load && r.load && r.target !== 'minimal proxy'
        ? `${(r.load.rps / minimal.load.rps).toFixed(2)}×${ofCounterpart(r.row)}`
        : '–'
    if (r.error)
      return [
        r.target,
        r.row.label,
        'FAILED',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        r.error.split('\n')[0] ?? '',
      ]
    const bad = r.load ? `${r.load.unexpected} / ${r.load.socketErrors}` : '–'
    return [
      r.target,
      r.row.label,
      thousands(r.load?.rps),
      fixed(r.load?.p50Ms, 2),
      fixed(r.load?.p99Ms, 2),
      fixed(r.peakMiB, 1),
      fixed(r.cpuSeconds, 2),
      fixed(cpuPerRequestUs(r), 0),
      r.target === 'direct' ? '–' : fixed(r.upstreamCpuSeconds, 2),
      fixed(r.loadGeneratorCpuSeconds, 2),
      fixed(r.otherCpuSeconds, 2),
      ratio,
      bad,
    ]
  })
  const head = [
    'target',
    'row',
    'req/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MiB',
    'CPU s',
    'CPU µs/req',
    'mock CPU s',
    'load generator CPU s',
    'other CPU s',
    'vs minimal proxy',
    'bad status / socket errors',
  ]
  return table(head, body)
}

function oneConnectionTable(rows: readonly RowResult[]): string {
  const targets = [...new Set(rows.map((r) => r.target))]
  // Only the rows that were measured (the code completion needs a gateway among the targets).
  const measured = ONE_CONNECTION_ROWS.filter((row) => rows.some((r) => r.row.name === row))
  const body = targets.map((target) => {
    const cells: string[] = [target]
    const other: string[] = []
    for (const row of measured) {
      const r = rows.find((x) => x.target === target && x.row.name === row)
      const direct = find(rows, 'direct', counterpart(ROWS[row]))
      other.push(fixed(r?.otherCpuSeconds, 2))
      if (!r) {
        cells.push('–', '–', '–')
        continue
      }
      if (r.error) {
        cells.push('FAILED', '–', '–')
        continue
      }
      const added =
        target === 'direct' || !direct?.load || !r.load ? undefined : r.load.p50Ms - direct.load.p50Ms
      cells.push(
        fixed(r.load?.p50Ms, 3),
        fixed(r.load?.p99Ms, 2),
        target === 'direct' ? '–' : fixed(added, 3),
      )
    }
    return [...cells, other.join(' / ')]
  })
  const names = measured.map((row) => SHORT[row] ?? row)
  const head = [
    'target (1 connection)',
    ...measured.flatMap((row, i) => [
      `${names[i]} p50 ms`,
      `${names[i]} p99 ms`,
      `${names[i]} p50 added ms${ROWS[row].comparedWith ? ` (vs direct ${SHORT[ROWS[row].comparedWith!] ?? ''})` : ''}`,
    ]),
    `other CPU s (${names.join(' / ')})`,
  ]
  return table(head, body)
}

function streamsTable(runs: readonly StreamsRun[]): string {
  const body = runs.map(({ target, result, error }) =>
    result
      ? [
          target,
          String(result.streams),
          fixed(result.baselineMiB, 1),
          fixed(result.openMiB, 1),
          `+${fixed(result.openMiB - result.baselineMiB, 1)}`,
          fixed(result.afterMiB, 1),
          String(result.heldAtUpstream),
          fixed(result.openSeconds, 2),
          result.failed ? `${result.failed} (${result.firstFailure ?? ''})` : '0',
        ]
      : [target, 'FAILED', '', '', '', '', '', '', (error ?? '').split('\n')[0] ?? ''],
  )
  const head = [
    'target',
    'open streams',
    'RSS before MiB',
    'RSS all open MiB',
    'added MiB',
    'RSS after close MiB',
    'held at mock',
    'seconds to open all',
    'failed',
  ]
  return table(head, body)
}

const mark = (ok: boolean | undefined) => (ok === undefined ? '?' : ok ? 'yes' : 'no')

function targetsTable(report: Report): string {
  const rows: string[][] = []
  for (const gateway of ['aigw-edge node', 'aigw-edge workerd'] as const) {
    for (const row of ['sse', 'json'] as const) {
      const r = find(report.throughput, gateway, row)?.load
      const minimal = find(report.throughput, 'minimal proxy', row)?.load
      const ratio = r && minimal ? r.rps / minimal.rps : undefined
      rows.push([
        `≥ 0.9× minimal proxy req/s (${row.toUpperCase()})`,
        gateway,
        ratio === undefined ? '–' : `${ratio.toFixed(2)}×`,
        mark(ratio === undefined ? undefined : ratio >= 0.9),
      ])
    }
    // "while doing the prompt building and response shaping": the code completion and the chat against the bare passthrough of as many mock events.
    for (const [row, what] of [
      ['code', "code completion v2 streamed ÷ the minimal proxy's SSE passthrough of the same mock stream"],
      ['chat', "Duo Chat v2 agent streamed ÷ the minimal proxy's SSE passthrough of as many mock events"],
    ] as const) {
      const r = find(report.throughput, gateway, row)?.load
      const minimal = find(report.throughput, 'minimal proxy', counterpart(ROWS[row]))?.load
      const ratio = r && minimal ? r.rps / minimal.rps : undefined
      rows.push([
        `≥ 0.9× minimal proxy req/s (${what})`,
        gateway,
        ratio === undefined
          ? '–'
          : `${ratio.toFixed(2)}× (${thousands(r?.rps)} vs ${thousands(minimal?.rps)} req/s)`,
        mark(ratio === undefined ? undefined : ratio >= 0.9),
      ])
    }
    for (const row of ['sse', 'json'] as const) {
      const r = find(report.oneConnection, gateway, row)?.load
      const direct = find(report.oneConnection, 'direct', row)?.load
      const added = r && direct ? r.p50Ms - direct.p50Ms : undefined
      rows.push([
        `≤ 0.5 ms p50 added at 1 connection (${row.toUpperCase()})`,
        gateway,
        added === undefined ? '–' : `${added.toFixed(3)} ms`,
        mark(added === undefined ? undefined : added <= 0.5),
      ])
    }
    const streams = report.streams.find((s) => s.target === gateway)?.result
    if (streams) {
      const limitMiB = 150e6 / 2 ** 20
      // With failed streams the memory figure is not one of 1,000 open streams: say so rather than judge it.
      const failed = streams.failed
        ? `; only ${streams.heldAtUpstream} reached the mock, ${streams.failed} failed`
        : ''
      const judge = (ok: boolean) => (streams.failed ? 'no (streams failed)' : mark(ok))
      rows.push([
        `1,000 open streams ≤ 150 MB (= ${limitMiB.toFixed(0)} MiB) RSS`,
        gateway,
        `${streams.openMiB.toFixed(1)} MiB (+${(streams.openMiB - streams.baselineMiB).toFixed(1)})${failed}`,
        judge(streams.openMiB <= limitMiB),
      ])
      const back = streams.afterMiB - streams.baselineMiB
      rows.push([
        '… and back near baseline after (≤ +20%)',
        gateway,
        `${streams.afterMiB.toFixed(1)} MiB (${back >= 0 ? '+' : ''}${back.toFixed(1)} vs before)`,
        judge(streams.afterMiB <= streams.baselineMiB * 1.2),
      ])
    }
  }
  const healthz = find(report.throughput, 'aigw-edge node', 'healthz')
  for (const row of ['noop', 'noop-nocache'] as const) {
    const noop = find(report.throughput, 'aigw-edge node', row)
    const cpu = cpuPerRequestUs(noop)
    const base = cpuPerRequestUs(healthz)
    const cpuRatio = cpu !== undefined && base !== undefined ? cpu / base : undefined
    const rpsRatio = noop?.load && healthz?.load ? healthz.load.rps / noop.load.rps : undefined
    const label = row === 'noop' ? 'token cache on' : 'token cache off'
    rows.push([
      `authenticated no-op ≤ 1.10× healthz cost (${label})`,
      'aigw-edge node',
      `${fixed(cpuRatio, 2)}× CPU/req, ${fixed(rpsRatio, 2)}× time/req`,
      mark(cpuRatio === undefined ? undefined : cpuRatio <= 1.1),
    ])
  }
  return table(['target', 'gateway', 'measured', 'met'], rows)
}

export function renderReport(report: Report): string {
  return [
    '# aigw-edge benchmark',
    '',
    ...report.header.map((line) => `- ${line}`),
    '',
    '## Throughput',
    '',
    throughputTable(report.throughput),
    '',
    ...(report.throughput.some((r) => r.row.name === 'code')
      ? [
          `The ${ROWS.code.label} row (the gateways only: direct and the minimal proxy cannot build prompts) compares its req/s with the minimal proxy's ${ROWS.sse.label} row: ` +
            'the same 20-event mock stream, there passed through untouched, here after auth, validation, prompt building and response shaping (the deltas as raw text).',
          '',
        ]
      : []),
    ...(report.throughput.some((r) => r.row.name === 'chat')
      ? [
          `The ${ROWS.chat.label} row is compared the same way: a 20-event ReAct stream from the mock (a thought, \`Action: DirectAnswer\`, the final answer in 15 deltas), ` +
            'here after auth, validation, the ReAct prompt (system prompt with the tools, the conversation, the `Thought:` prefill) and the ReAct parser, answered as NDJSON `final_answer_delta` lines.',
          '',
        ]
      : []),
    '## Latency at 1 connection',
    '',
    oneConnectionTable(report.oneConnection),
    '',
    '## Concurrent open streams',
    '',
    streamsTable(report.streams),
    '',
    '## Targets',
    '',
    targetsTable(report),
    '',
  ].join('\n')
}
