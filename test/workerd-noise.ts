/**
 * Keeps workerd's own reports of connections the tests break on purpose out of `npm test`'s output.
 *
 * Many tests make a connection fail on purpose (a refused port, an unresolvable host, a model
 * server that hangs up mid-stream, a client that hangs up). The gateway handles each, and the test
 * checks it did; but workerd, which @cloudflare/vitest-plugin runs with --verbose, also logs every
 * one of them as an exception with a native stack, even when the JavaScript caught the error. That
 * was three quarters of the output of a passing run. The plugin already drops some messages of this
 * family ("disconnected: operation canceled"...); this drops the rest of it, and nothing else:
 * - `exception = <file>:<line>: disconnected: ...`: a connection refused, reset or closed;
 * - `uncaught exception ... Network connection lost.` with no JavaScript frame: the runtime's own
 *   promise, settled by the rejection the worker's code received (a caught fetch logs it too);
 * - a failed DNS lookup, and the `internal error; reference = <id>` reports that carry its id.
 * A test failure is vitest's to print, and an exception with JavaScript frames, another kind of
 * runtime error, or an `internal error` of any other cause still reaches the output.
 * AIGW_TEST_SHOW_RUNTIME_NOISE=1 turns the filter off.
 */

const STACK = /^stack: (?:\S+@[0-9a-f]+ ?)+(?:; sentryErrorContext = \w+; wdErrId = (\w+))?$/
// workerd's KJ exception line; the plugin's line splitting sometimes leaves only "e = " of "exception = ".
const DISCONNECTED = /^(?:exception|e) = [\w/.-]+:\d+: disconnected: .+$/
const DNS_FAILURE = /^(?:exception|e) = [\w/.-]+:\d+: failed: failed to lookup address information: .+$/
const CONNECTION_LOST = [
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: Network connection lost\.$/,
  /^uncaught exception; exception = workerd\/jsg\/[\w.]+:\d+: disconnected: jsg\.Error: Network connection lost\.$/,
]
const INTERNAL_ERROR = [
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: internal error; reference = (\w+)$/,
  /^uncaught exception; exception = workerd\/jsg\/[\w.]+:\d+: failed: jsg\.Error: internal error; reference = (\w+)$/,
]

export interface NoiseFilter {
  /** Whether a chunk written to stdout or stderr should be written. */
  keep(chunk: string): boolean
  /** How many lines were dropped so far. */
  readonly hidden: number
}

export function createWorkerdNoiseFilter(): NoiseFilter {
  /** Error ids of DNS failures already dropped: their "internal error; reference = <id>" reports go too. */
  const dnsFailures = new Set<string>()
  let hidden = 0
  let afterDropped = false
  let pendingDns = false

  const isNoise = (line: string, previousWasNoise: boolean): boolean => {
    const stack = STACK.exec(line)
    if (stack) {
      // A stack line belongs to the exception line before it: dropped with it, kept with it.
      if (previousWasNoise && stack[1] && pendingDns) dnsFailures.add(stack[1])
      return previousWasNoise
    }
    pendingDns = DNS_FAILURE.test(line)
    if (pendingDns || DISCONNECTED.test(line) || CONNECTION_LOST.some((pattern) => pattern.test(line)))
      return true
    for (const pattern of INTERNAL_ERROR) {
      const reference = pattern.exec(line)?.[1]
      if (reference !== undefined) return dnsFailures.has(reference)
    }
    return false
  }

  return {
    keep(chunk) {
      const lines = chunk.replace(/\n$/, '').split('\n')
      let previous = afterDropped
      for (const line of lines) {
        if (!isNoise(line, previous)) {
          afterDropped = false
          return true
        }
        previous = true
      }
      hidden += lines.length
      afterDropped = true
      return false
    },
    get hidden() {
      return hidden
    },
  }
}

type Write = typeof process.stdout.write

/**
 * Wraps the process's stdout and stderr writes (where Miniflare's log handler prints workerd's
 * lines, one message per write) with the filter. Returns a function that undoes it.
 */
export function filterProcessOutput(filter: NoiseFilter): () => void {
  const originals: [NodeJS.WriteStream, Write][] = [process.stdout, process.stderr].map((stream) => [
    stream,
    stream.write,
  ])
  for (const [stream, write] of originals) {
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' && !filter.keep(chunk)) {
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined
        callback?.()
        return true
      }
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
    } as Write
  }
  return () => {
    for (const [stream, write] of originals) stream.write = write
  }
}

/** vitest globalSetup of the workers project (vitest.config.ts): runs in the main process, where workerd's logs arrive. */
export default function setup(): () => void {
  if (process.env.AIGW_TEST_SHOW_RUNTIME_NOISE === '1') return () => {}
  const filter = createWorkerdNoiseFilter()
  const restore = filterProcessOutput(filter)
  return () => {
    restore()
    if (filter.hidden > 0) {
      process.stdout.write(
        `workerd: ${filter.hidden} log lines about connections the tests break on purpose were hidden ` +
          '(test/workerd-noise.ts; AIGW_TEST_SHOW_RUNTIME_NOISE=1 shows them)\n',
      )
    }
  }
}
