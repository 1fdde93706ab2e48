/**
 * Times as GitLab's service writes them into checkpoints and chat logs: Python's
 * `datetime.now(timezone.utc).isoformat()`, i.e. ISO-8601 UTC with microseconds and `+00:00`
 * (`2026-02-10T12:00:01.123456+00:00`). The web UI date-parses them and picks the newest
 * checkpoint by `ts`, so they must be well-formed and must not go backwards.
 */

/** `isoformat()` of a UTC time given in microseconds since the Unix epoch. */
export function isoMicros(epochMicros: number): string {
  const micros = Math.floor(epochMicros)
  const ms = Math.floor(micros / 1000)
  // toISOString gives milliseconds; the three microsecond digits follow them. Python leaves the
  // fraction out when it is zero: we always write it, which every ISO-8601 reader accepts.
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros - ms * 1000).padStart(3, '0')}+00:00`
}

/**
 * A clock of such timestamps that never repeats or goes back within the process: two entries made
 * in the same millisecond get consecutive microseconds, so a client that orders entries by time
 * keeps them in the order they were made. `now` is in milliseconds (Date.now).
 */
export function createTimestamps(now: () => number = Date.now): () => string {
  let last = 0
  return () => {
    const micros = Math.max(Math.floor(now() * 1000), last + 1)
    last = micros
    return isoMicros(micros)
  }
}

/** The process's clock for chat-log entries. */
export const timestamp: () => string = createTimestamps()
