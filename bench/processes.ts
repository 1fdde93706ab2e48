/**
 * Child processes of the benchmark: spawn (stdout to a file), wait until an HTTP endpoint answers,
 * stop, and read a process's memory and CPU from /proc. Every child is tracked so that an error,
 * Ctrl-C or SIGTERM kills all of them, each by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'

export interface Child {
  name: string
  pid: number
  process: ChildProcess
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>
  /** The file that receives the child's stdout and stderr. */
  logFile: string
}

const running = new Set<Child>()

export interface SpawnOptions {
  env?: Record<string, string | undefined>
  logFile: string
  cwd?: string
}

export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Child {
  const fd = openSync(options.logFile, 'a')
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`)
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)))
    child.once('error', (error) => resolve(`spawn error: ${error.message}`))
  })
  const entry: Child = { name, pid: child.pid, process: child, exited, logFile: options.logFile }
  running.add(entry)
  void exited.then(() => running.delete(entry))
  return entry
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopChild(child: Child, graceMs = 3000): Promise<void> {
  if (!running.has(child)) return
  child.process.kill('SIGTERM')
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs)
  await child.exited
  clearTimeout(timer)
}

export function killAllChildren(): void {
  for (const child of running) child.process.kill('SIGKILL')
}

/** Kills every child on exit and on Ctrl-C/SIGTERM (then exits 130/143). */
export function killChildrenOnExit(): void {
  process.once('exit', killAllChildren)
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping ${running.size} child process(es)\n`)
      killAllChildren()
      process.exit(code)
    })
  }
}

/** Polls `url` until it answers with `status` (any status when omitted); fails if the child exits first. */
export async function waitForHttp(
  child: Child,
  url: string,
  timeoutMs = 20_000,
  status?: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let gone: string | undefined
  void child.exited.then((code) => (gone = code))
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (gone !== undefined)
      throw new Error(`${child.name} exited (${gone}) before answering; see ${child.logFile}`)
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
      await response.arrayBuffer()
      if (status === undefined || response.status === status) return
      last = `HTTP ${response.status}`
    } catch (error) {
      last = (error as Error).message
    }
    await sleep(50)
  }
  throw new Error(
    `${child.name} did not answer ${url} within ${timeoutMs} ms (${last}); see ${child.logFile}`,
  )
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return address.port
}

export interface Memory {
  /** Peak resident set (VmHWM), MiB. */
  peakMiB: number
  /** Current resident set (VmRSS), MiB. */
  rssMiB: number
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 }
}

/** User + system CPU seconds the process has used so far (all its threads). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks / CLOCK_TICKS
}

/** sysconf(_SC_CLK_TCK); 100 on every Linux that Node supports. */
const CLOCK_TICKS = 100

/**
 * CPU seconds of this process's children that have exited and been reaped (cutime + cstime of
 * /proc/self/stat): read around one run of wrk, the difference is wrk's CPU.
 */
export function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS
}

/** Busy CPU seconds of the whole machine, all cores (the first line of /proc/stat, minus idle and iowait). */
export function machineBusySeconds(): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks.map(Number)
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
}

/**
 * Runs a command to completion (tracked like every other child, so Ctrl-C kills it too) and
 * resolves with its stdout; rejects on a non-zero exit or after `timeoutMs`.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string | undefined>; cwd?: string },
): Promise<string> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const entry: Child = {
    name: command,
    pid: child.pid ?? -1,
    process: child,
    exited: new Promise((resolve) => child.once('close', (code, signal) => resolve(signal ?? String(code)))),
    logFile: '(piped)',
  }
  running.add(entry)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`${command}: ${error.message}`)))
    void entry.exited.then((code) => {
      clearTimeout(timer)
      running.delete(entry)
      if (code === '0') resolve(stdout)
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-4000)}${stdout.slice(-2000)}`,
          ),
        )
    })
  })
}

/**
 * Waits (up to `maxMs`) until the machine is nearly idle: under 0.2 of a core busy over half a
 * second, this script's idle children included. For runs on a shared machine (`--wait-idle`).
 * Resolves with whether it got there.
 */
export async function waitForIdleMachine(maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs
  for (;;) {
    const before = machineBusySeconds()
    await sleep(500)
    if ((machineBusySeconds() - before) / 0.5 < 0.2) return true
    if (Date.now() >= deadline) return false
  }
}
