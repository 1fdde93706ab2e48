/**
 * The Node log sink: lines go to stdout in batches, one write per turn of the event loop, rather
 * than one synchronous write per line (under load, the access log alone was a write system call
 * per request). Whatever is pending is written when the process exits, however it exits.
 */
import type { LogSink } from '../src/logging.ts'

export function batchedStdout(): LogSink {
  let pending: string[] = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = pending.join('')
    pending = []
    process.stdout.write(text)
  }
  process.once('exit', flush)
  return (line) => {
    pending.push(`${line}\n`)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}
