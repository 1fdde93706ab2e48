/**
 * `node [flags] bench/gc-on-signal.mjs <bundle>`: runs the bundle, and on SIGUSR2 collects garbage
 * (through the in-process inspector, so no --expose-gc) and prints one JSON line with the heap and
 * RSS that remain. The Agent Platform bench uses it to tell a leak (heap growing burst after burst)
 * from a high-water mark (RSS that V8 and malloc keep for the next burst).
 */
import { Session } from 'node:inspector/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const session = new Session()
session.connect()
process.on('SIGUSR2', async () => {
  await session.post('HeapProfiler.collectGarbage')
  await session.post('HeapProfiler.collectGarbage')
  const { heapUsed, rss } = process.memoryUsage()
  process.stdout.write(`${JSON.stringify({ after_gc: true, heap_used: heapUsed, rss })}\n`)
})
await import(pathToFileURL(resolve(process.argv[2])).href)
