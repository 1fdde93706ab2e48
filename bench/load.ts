/**
 * The load generator: wrk (`-t1 --latency`, a generated Lua script for method, headers and body)
 * when it is on PATH, else autocannon from node_modules (`--json`). wrk costs about half the CPU
 * of autocannon, which matters on 2 cores. Either way the result says how many answers were not
 * what the row expects: a benchmark whose requests fail measures nothing.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { runCommand } from './processes.ts'

export interface LoadSpec {
  url: string
  method: 'GET' | 'POST'
  headers: Readonly<Record<string, string>>
  body?: string
  connections: number
  seconds: number
  /** The status every answer must have (the authenticated no-op expects 404). */
  expectStatus: number
  /**
   * Check every status in wrk's Lua (needed for an expected 4xx; else wrk's own non-2xx count is
   * used). Costs wrk some CPU per answer, so rows that are compared with each other share it.
   */
  checkEveryStatus?: boolean
}

export interface LoadResult {
  tool: string
  requests: number
  rps: number
  p50Ms: number
  p99Ms: number
  /** Answers with another status than `expectStatus`. */
  unexpected: number
  /** Connect, read, write errors and timeouts. */
  socketErrors: number
}

export type LoadTool = 'wrk' | 'autocannon'

export function pickLoadTool(): LoadTool {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return 'wrk'
  } catch (error) {
    // wrk --version prints its usage and exits 1: it exists. ENOENT means it is not on PATH.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'autocannon' : 'wrk'
  }
}

export function runLoad(tool: LoadTool, spec: LoadSpec, workDir: string): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(spec, workDir) : runAutocannon(spec)
}

let scriptCount = 0

async function runWrk(spec: LoadSpec, workDir: string): Promise<LoadResult> {
  const script = join(workDir, `load-${++scriptCount}.lua`)
  writeFileSync(script, wrkScript(spec))
  const args = [
    '-t1',
    `-c${spec.connections}`,
    `-d${spec.seconds}s`,
    '--latency',
    '--timeout',
    '5s',
    '-s',
    script,
    spec.url,
  ]
  const output = await runCommand('wrk', args, { timeoutMs: (spec.seconds + 30) * 1000 })
  return parseWrk(output, checksInLua(spec))
}

const checksInLua = (spec: LoadSpec) => spec.checkEveryStatus === true || spec.expectStatus >= 400

/** Lua for wrk: method, headers, body and, where asked, a status check per answer. */
export function wrkScript(spec: LoadSpec): string {
  const long = (text: string) => `[==[${text}]==]`
  const lines = [`wrk.method = "${spec.method}"`]
  // Header names are HTTP tokens (no quotes or backslashes); `[[` would open a Lua long string.
  for (const [name, value] of Object.entries(spec.headers))
    lines.push(`wrk.headers["${name}"] = ${long(value)}`)
  if (spec.body !== undefined) lines.push(`wrk.body = ${long(spec.body)}`)
  if (checksInLua(spec)) {
    lines.push(
      'local threads = {}',
      'function setup(thread) table.insert(threads, thread) end',
      'function init(args) unexpected = 0 end',
      `function response(status, headers, body) if status ~= ${spec.expectStatus} then unexpected = unexpected + 1 end end`,
      'function done(summary, latency, requests)',
      '  local total = 0',
      '  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end',
      '  io.write("Unexpected status: " .. total .. "\\n")',
      'end',
    )
  }
  return `${lines.join('\n')}\n`
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

function wrkDuration(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '')
  if (!match) return NaN
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? NaN)
}

export function parseWrk(output: string, checkedInLua: boolean): LoadResult {
  const requests = Number(/^\s*(\d+) requests in/m.exec(output)?.[1] ?? NaN)
  const rps = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(output)?.[1] ?? NaN)
  const percentile = (p: string) => wrkDuration(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output)?.[1])
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0)
  const lua = /Unexpected status: (\d+)/.exec(output)
  if (checkedInLua && !lua) throw new Error(`wrk did not report its status check:\n${output}`)
  const result = {
    tool: 'wrk',
    requests,
    rps,
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    unexpected: checkedInLua ? Number(lua?.[1]) : non2xx,
    socketErrors,
  }
  if (!Number.isFinite(result.requests) || !Number.isFinite(result.rps) || !Number.isFinite(result.p50Ms)) {
    throw new Error(`could not parse wrk's output:\n${output}`)
  }
  return result
}

interface AutocannonJson {
  requests: { total: number; average: number }
  latency: { p50: number; p99: number }
  errors: number
  timeouts: number
  statusCodeStats?: Record<string, { count: number }>
  duration: number
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
  const args = [
    bin,
    '--json',
    '-c',
    String(spec.connections),
    '-d',
    String(spec.seconds),
    '-m',
    spec.method,
    '-t',
    '5',
  ]
  for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}=${value}`)
  if (spec.body !== undefined) args.push('-b', spec.body)
  args.push(spec.url)
  const output = await runCommand(process.execPath, args, { timeoutMs: (spec.seconds + 30) * 1000 })
  const json = JSON.parse(output.slice(output.indexOf('{'))) as AutocannonJson
  const counts = Object.entries(json.statusCodeStats ?? {})
  const expected = counts.find(([status]) => Number(status) === spec.expectStatus)?.[1].count ?? 0
  const answered = counts.reduce((sum, [, stats]) => sum + stats.count, 0)
  return {
    tool: 'autocannon',
    requests: answered,
    rps: answered / json.duration,
    p50Ms: json.latency.p50,
    p99Ms: json.latency.p99,
    unexpected: answered - expected,
    socketErrors: json.errors + json.timeouts,
  }
}
