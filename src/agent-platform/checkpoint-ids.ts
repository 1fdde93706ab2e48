/**
 * Checkpoint ids (`thread_ts`, also the stored checkpoint's `id`) and times (`ts`), spec §7.3.
 *
 * Rails takes the greatest `thread_ts` *as text* as a workflow's latest checkpoint, and GitLab's
 * own service wrote LangGraph's uuid6: a 60-bit count of 100 ns since 1582-10-15, high bits first,
 * with the graph step as clock sequence (`1f1f232a-7844-65be-8004-…` is step 4). A UUIDv7 (Unix
 * milliseconds first) starts with `01…` until 2039 and would sort *before* every id GitLab wrote,
 * so a thread continued here would keep resuming from GitLab's last checkpoint. We therefore write
 * the same uuid6, so old and new ids are ordered by time alike.
 *
 * Within a process the clock never repeats or goes back, and every id is at least one millisecond
 * after the previous one and after the id it follows (`after`, the workflow's latest checkpoint,
 * whoever wrote it): ids made in the same millisecond stay unique and ordered, a checkpoint written
 * by another host with a clock ahead of ours is still followed, and `ts` (derived from the same
 * instant) grows by at least a millisecond, which is what the web UI compares when it picks the
 * newest checkpoint.
 */
import { isoMicros } from './gitlab-time.ts'

/** 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
const GREGORIAN_OFFSET = 0x01b21dd213814000n
const TICKS_PER_MS = 10_000n
const UUID6 = /^([0-9a-f]{8})-([0-9a-f]{4})-6([0-9a-f]{3})-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

export interface CheckpointId {
  /** `thread_ts` and the checkpoint's `id`. */
  threadTs: string
  /** The checkpoint's `ts`, the same instant as the id. */
  ts: string
}

export interface CheckpointIds {
  /**
   * The next id. `step` is the graph step the checkpoint records (LangGraph's clock sequence:
   * -1 for an input checkpoint, then 0, 1...); `after` is the workflow's latest `thread_ts`, if any.
   */
  next(step: number, after?: string | null): CheckpointId
}

export interface CheckpointIdOptions {
  /** Milliseconds since the Unix epoch. */
  now?: () => number
  /** Fills the array with random bytes (the id's last 48 bits). */
  randomBytes?: (bytes: Uint8Array<ArrayBuffer>) => void
}

export function createCheckpointIds(options: CheckpointIdOptions = {}): CheckpointIds {
  const now = options.now ?? Date.now
  const randomBytes =
    options.randomBytes ?? ((bytes: Uint8Array<ArrayBuffer>) => void crypto.getRandomValues(bytes))
  let last = 0n

  return {
    next(step, after) {
      let ticks = BigInt(Math.floor(now())) * TICKS_PER_MS + GREGORIAN_OFFSET
      const floor = bigMax(last, (after && uuid6Ticks(after)) || 0n)
      if (ticks <= floor) ticks = floor + TICKS_PER_MS
      last = ticks
      const node = new Uint8Array(6)
      randomBytes(node)
      return {
        threadTs: formatUuid6(ticks, step, node),
        ts: isoMicros(Number((ticks - GREGORIAN_OFFSET) / 10n)),
      }
    },
  }
}

/** The process's ids: one clock for every session, so no two sessions' ids can collide either. */
export const checkpointIds: CheckpointIds = createCheckpointIds()

/** The 100-ns count of a uuid6 (GitLab's or ours); undefined for any other text. */
export function uuid6Ticks(id: string): bigint | undefined {
  const match = UUID6.exec(id)
  return match ? BigInt(`0x${match[1]}${match[2]}${match[3]}`) : undefined
}

/** The Unix time in milliseconds a uuid6 records, e.g. to compare with a checkpoint's `ts`. */
export function uuid6Time(id: string): number | undefined {
  const ticks = uuid6Ticks(id)
  return ticks === undefined ? undefined : Number((ticks - GREGORIAN_OFFSET) / TICKS_PER_MS)
}

function formatUuid6(ticks: bigint, step: number, node: Uint8Array): string {
  const high = ((ticks >> 12n) & 0xffff_ffff_ffffn).toString(16).padStart(12, '0')
  const low = (ticks & 0xfffn).toString(16).padStart(3, '0')
  // Variant bits 10, then the step's low 14 bits, as LangGraph's `uuid6(clock_seq=step)` (-1 → bfff).
  const clock = (0x8000 | (step & 0x3fff)).toString(16)
  const nodeHex = [...node].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${high.slice(0, 8)}-${high.slice(8, 12)}-6${low}-${clock}-${nodeHex}`
}

const bigMax = (a: bigint, b: bigint) => (a > b ? a : b)
