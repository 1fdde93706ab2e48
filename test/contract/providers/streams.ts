/** Reading model event streams in provider tests. */
import type { ModelEvent } from '../../../src/model-call/types.ts'

/** Every event until the stream ends or errors. */
export async function drain(
  stream: ReadableStream<ModelEvent>,
): Promise<{ events: ModelEvent[]; error?: unknown }> {
  const events: ModelEvent[] = []
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { events }
      events.push(value)
    }
  } catch (error) {
    return { events, error }
  }
}

/** Every event of a stream that must end cleanly. */
export async function readAll(stream: ReadableStream<ModelEvent>): Promise<ModelEvent[]> {
  const { events, error } = await drain(stream)
  if (error !== undefined) throw error
  return events
}

/** `promise`, or 'still waiting' after `ms` (the "not buffered" proofs: generous on purpose). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<'still waiting'>(
    (resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)),
  )
  try {
    return await Promise.race([promise, late])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
