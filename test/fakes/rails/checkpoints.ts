/**
 * Checkpoint rows (`p_duo_workflows_checkpoints`) and the three checkpoint endpoints: what
 * `WorkflowsInternal` does with a POST (checkpoint or compressed_checkpoint, then the model's presence
 * validations, then the database), and the `Checkpoint` entities it presents.
 */
import { deflateSync, inflateSync } from 'node:zlib'
import { badRequest, internalError, isBlank, reply, type ParamSpec, type RailsResponse } from './grape.ts'
import { isPlainObject, jsonb, PgError, rubyJson, type Json } from './json.ts'
import type { SeedCheckpoint, WorkflowRecord } from './workflows.ts'

export interface CheckpointRecord {
  id: number
  thread_ts: string
  parent_ts: string | null
  /** As jsonb gives it back (keys in jsonb order). */
  checkpoint: Json
  metadata: Json
  createdAt: Date
}

export const CREATE_CHECKPOINT_PARAMS: ParamSpec[] = [
  { name: 'thread_ts', type: 'String', required: true },
  { name: 'parent_ts', type: 'String' },
  { name: 'checkpoint', type: 'Hash' },
  { name: 'compressed_checkpoint', type: 'String' },
  { name: 'metadata', type: 'Hash', required: true },
]

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** `Gitlab::Json.parse(Zlib::Inflate.inflate(Base64.strict_decode64(data)))`, Ruby's errors as 400s. */
function uncompress(data: string): { ok: true; value: unknown } | { ok: false; response: RailsResponse } {
  const fail = (message: string) => ({
    ok: false as const,
    response: badRequest(`Invalid compressed checkpoint data: ${message}`),
  })
  if (!STRICT_BASE64.test(data)) return fail('invalid base64')
  let inflated: Uint8Array
  try {
    inflated = inflateSync(Buffer.from(data, 'base64'))
  } catch (error) {
    // Both runtimes wrap the same zlib, which names data errors alike; a truncated stream is
    // Ruby's Zlib::BufError ("buffer error").
    const { code, message } = error as NodeJS.ErrnoException
    return fail(code === 'Z_BUF_ERROR' ? 'buffer error' : message)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated)
  } catch {
    return fail('source sequence is illegal/malformed utf-8')
  }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return fail(`unexpected token at '${text.trimStart().slice(0, 32)}'`)
  }
}

/** For tests and seeds: what a client sends as `compressed_checkpoint`. */
export const compressCheckpoint = (value: unknown): string =>
  deflateSync(rubyJson(value), { level: 6 }).toString('base64')

/** Ruby's `Array#to_s` of error messages, which is what `bad_request!(result[:message])` interpolates. */
const rubyInspect = (messages: string[]) => `[${messages.map((m) => JSON.stringify(m)).join(', ')}]`

/**
 * The endpoint after Grape's validation and `find_workflow!`. Records the row and returns 201
 * `BasicCheckpoint`, or the error Rails gives.
 */
export function createCheckpoint(
  workflow: WorkflowRecord,
  params: Record<string, unknown>,
  id: number,
  now: Date,
): RailsResponse {
  let checkpoint: unknown
  if (!isBlank(params.checkpoint)) checkpoint = params.checkpoint
  else if (!isBlank(params.compressed_checkpoint)) {
    const result = uncompress(params.compressed_checkpoint as string)
    if (!result.ok) return result.response
    checkpoint = result.value
  }
  if (checkpoint === undefined || checkpoint === null || checkpoint === false) {
    return badRequest('Either checkpoint or compressed_checkpoint must be provided')
  }

  // Ai::DuoWorkflows::Checkpoint: validates :thread_ts, :checkpoint, :metadata, presence: true
  const errors: string[] = []
  if (isBlank(params.thread_ts)) errors.push("Thread ts can't be blank")
  if (isBlank(checkpoint)) errors.push("Checkpoint can't be blank")
  if (isBlank(params.metadata)) errors.push("Metadata can't be blank")
  if (errors.length > 0) return badRequest(rubyInspect(errors))

  const threadTs = params.thread_ts as string
  const parentTs = (params.parent_ts ?? null) as string | null
  let record: CheckpointRecord
  try {
    // `text limit: 255` columns are CHECK constraints: a database error, which 18.9's service does not rescue.
    if (threadTs.length > 255 || (parentTs?.length ?? 0) > 255) throw new PgError('PG::CheckViolation')
    record = {
      id,
      thread_ts: threadTs,
      parent_ts: parentTs,
      checkpoint: jsonb(checkpoint),
      metadata: jsonb(params.metadata),
      createdAt: now,
    }
  } catch (error) {
    if (error instanceof PgError) return internalError()
    throw error
  }

  if (workflow.checkpoints.length === 0) {
    // The first checkpoint's `channel_values.__start__.goal` becomes the workflow's goal.
    const values = isPlainObject(record.checkpoint) ? record.checkpoint.channel_values : undefined
    const start = isPlainObject(values) ? values.__start__ : undefined
    const goal = isPlainObject(start) ? start.goal : undefined
    if (typeof goal === 'string' && !isBlank(goal)) workflow.goal = goal.slice(0, 16_384)
  }
  workflow.checkpoints.push(record)
  workflow.updatedAt = now
  return reply(201, basicCheckpointEntity(record))
}

/** A seeded row: stored as the endpoint would store it, without the endpoint's checks. */
export function seedCheckpoint(seed: SeedCheckpoint, id: number, now: Date): CheckpointRecord {
  const { thread_ts, parent_ts = null } = seed
  return {
    id,
    thread_ts,
    parent_ts,
    checkpoint: jsonb(seed.checkpoint),
    metadata: jsonb(seed.metadata),
    createdAt: now,
  }
}

const compareTs = (a: CheckpointRecord, b: CheckpointRecord) =>
  a.thread_ts < b.thread_ts ? -1 : a.thread_ts > b.thread_ts ? 1 : a.id - b.id

/** `order(thread_ts: :desc)`: "latest" is the greatest thread_ts as text, not the last one written. */
export const newestFirst = (workflow: WorkflowRecord): CheckpointRecord[] =>
  [...workflow.checkpoints].sort((a, b) => compareTs(b, a))
export const latestCheckpoint = (workflow: WorkflowRecord): CheckpointRecord | undefined =>
  newestFirst(workflow)[0]
export const earliestCheckpoint = (workflow: WorkflowRecord): CheckpointRecord | undefined =>
  [...workflow.checkpoints].sort(compareTs)[0]

export const basicCheckpointEntity = (record: CheckpointRecord) => ({
  id: record.id,
  thread_ts: record.thread_ts,
  parent_ts: record.parent_ts,
})

/** The `Checkpoint` entity: `checkpoint` as an object, or `compressed_checkpoint` when asked for. */
export function checkpointEntity(record: CheckpointRecord, compressed: boolean): Record<string, unknown> {
  return {
    ...basicCheckpointEntity(record),
    ...(compressed
      ? { compressed_checkpoint: compressCheckpoint(record.checkpoint) }
      : { checkpoint: record.checkpoint }),
    checkpoint_writes: [],
    metadata: record.metadata,
  }
}

/**
 * The rules of §7.3 that Rails itself does not enforce (it accepts any of these), so that a test
 * can still insist on them: unique, increasing thread_ts; parent_ts naming the previous latest.
 */
export function checkpointRuleBreaks(
  workflow: WorkflowRecord,
  threadTs: string,
  parentTs: string | null,
): string[] {
  const latest = latestCheckpoint(workflow)
  const problems: string[] = []
  if (workflow.checkpoints.some((c) => c.thread_ts === threadTs))
    problems.push(`thread_ts ${threadTs} was already used`)
  else if (latest && threadTs < latest.thread_ts)
    problems.push(`thread_ts ${threadTs} sorts before the latest ${latest.thread_ts}`)
  const expectedParent = latest?.thread_ts ?? null
  if (parentTs !== expectedParent)
    problems.push(`parent_ts ${parentTs} is not the latest checkpoint ${expectedParent}`)
  return problems
}
