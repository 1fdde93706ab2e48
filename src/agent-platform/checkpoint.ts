/**
 * The stored checkpoint (spec §7.3–§7.5): a ChatState as the body GitLab's service POSTs to
 * `/api/v4/ai/duo_workflows/workflows/:id/checkpoints` (`{thread_ts, parent_ts, checkpoint,
 * metadata}`, or `compressed_checkpoint` instead of `checkpoint`), and back from what Rails gives:
 * GraphQL's `latestCheckpoint {threadTs parentTs metadata checkpoint}` (JSON *strings*) or the
 * REST entity (objects, or `compressed_checkpoint`).
 *
 * The envelope is LangGraph's, as GitLab 18.9's service wrote it (test/fixtures/agent-platform):
 * `v`, `ts`, `id`, `channel_values`, `channel_versions`, `versions_seen`, `updated_channels`. Our
 * LangGraph bookkeeping is a consistent stand-in (every channel at one version per step, every node
 * having seen it), not a replay of LangGraph's; whether GitLab's own service could resume a thread
 * we wrote is not verified (§7.5).
 */
import { decodeChannelValues, encodeChannelValues } from './chat-state-codec.ts'
import { deflateToBase64, inflateFromBase64, MAX_INFLATED_BYTES } from './checkpoint-compression.ts'
import { checkpointIds, type CheckpointIds } from './checkpoint-ids.ts'
import { isObject, type MessageEncoding } from './langchain-messages.ts'
import type { ChatState } from './state.ts'

/** LangGraph's checkpoint format version in GitLab 18.9's checkpoints (langgraph-checkpoint 2.1). */
export const CHECKPOINT_VERSION = 4

/** Where a checkpoint goes in the workflow's chain. `threadTs` and `ts` come from checkpoint-ids.ts. */
export interface CheckpointPlace {
  threadTs: string
  /** The workflow's latest `thread_ts` before this one; null for the thread's first checkpoint. */
  parentTs: string | null
  ts: string
  /** LangGraph's step: -1 for an input checkpoint (the turn's input, before any node ran), then 0, 1... */
  step: number
}

/**
 * The place of the checkpoint that follows `previous` (the workflow's latest: a SavedCheckpoint, or
 * the place of the last one Rails accepted; null for a new thread): its parent, the next step (0
 * when unknown), an id that sorts after the parent's.
 */
export function placeAfter(
  previous: { threadTs: string | null; step: number | null } | null,
  ids: CheckpointIds = checkpointIds,
): CheckpointPlace {
  const parentTs = previous?.threadTs ?? null
  const step = previous?.step === null || previous?.step === undefined ? 0 : previous.step + 1
  return { ...ids.next(step, parentTs), parentTs, step }
}

export interface CheckpointMetadata {
  source: 'input' | 'loop'
  step: number
  parents: Record<string, never>
}

export interface StoredCheckpoint {
  v: number
  ts: string
  id: string
  channel_values: Record<string, unknown>
  channel_versions: Record<string, number>
  versions_seen: Record<string, Record<string, number>>
  updated_channels: string[]
}

// Type aliases, not interfaces: a body must fit `Record<string, unknown>` parameters.
type PostPlace = {
  thread_ts: string
  parent_ts: string | null
  metadata: CheckpointMetadata
}
export type CheckpointPost = PostPlace & { checkpoint: StoredCheckpoint }
export type CompressedCheckpointPost = PostPlace & { compressed_checkpoint: string }

/**
 * The POST body for `state` (send it as JSON). Text PostgreSQL's jsonb cannot hold (U+0000, lone
 * surrogates: a tool's binary output, a model's broken stream) is replaced by U+FFFD, since Rails
 * would answer 500 and the conversation could never be saved again.
 */
export function encodeCheckpoint(
  state: ChatState,
  place: CheckpointPlace,
  encoding: MessageEncoding = {},
): CheckpointPost {
  const input = place.step < 0
  const values = encodeChannelValues(state, encoding)
  // LangGraph's input channel: in a thread's first checkpoint Rails takes `__start__.goal` as the workflow's goal.
  const channelValues = input ? { ...values, __start__: values } : values
  const ranTools = state.history.some((m) => m.role === 'tool')
  return storable({
    thread_ts: place.threadTs,
    parent_ts: place.parentTs,
    checkpoint: {
      v: CHECKPOINT_VERSION,
      ts: place.ts,
      id: place.threadTs,
      channel_values: channelValues,
      ...bookkeeping(Object.keys(values), place.step, ranTools),
      updated_channels: input ? ['__start__'] : ['conversation_history', 'status', 'ui_chat_log'],
    },
    metadata: { source: input ? 'input' : 'loop', step: place.step, parents: {} },
  })
}

/** The same body with `compressed_checkpoint` (flag `duo_workflow_compress_checkpoint`). */
export async function compressCheckpointPost(post: CheckpointPost): Promise<CompressedCheckpointPost> {
  const { checkpoint, ...place } = post
  return { ...place, compressed_checkpoint: await deflateToBase64(JSON.stringify(checkpoint)) }
}

function bookkeeping(channels: string[], step: number, ranTools: boolean) {
  const version = Math.max(1, step + 2)
  const all = [...channels, '__start__', 'branch:to:agent', ...(ranTools ? ['branch:to:run_tools'] : [])]
  const versions = Object.fromEntries(all.map((channel) => [channel, version]))
  return {
    channel_versions: versions,
    versions_seen: {
      __input__: {},
      // An input checkpoint's `__start__` is not consumed yet, as in LangGraph's.
      __start__: { __start__: step < 0 ? version - 1 : version },
      agent: { 'branch:to:agent': version },
      ...(ranTools ? { run_tools: { 'branch:to:run_tools': version } } : {}),
      __interrupt__: { ...versions },
    },
  }
}

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\ufffd') as T
  if (Array.isArray(value)) return value.map(storable) as T
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.replace(UNSTORABLE, '\ufffd'), storable(v)]),
    ) as T
  return value
}

// ---- reading

export interface SavedCheckpoint {
  threadTs: string | null
  parentTs: string | null
  ts: string | null
  /** `metadata.step`, when readable: the next checkpoint's step is one more. */
  step: number | null
  state: ChatState
  /** What was skipped or defaulted while reading, for the log (never content). */
  warnings: string[]
}

/** A checkpoint read, or why it could not be: `error` is a sentence fit to show the user. */
export type CheckpointRead = { ok: true; checkpoint: SavedCheckpoint } | { ok: false; error: string }

const field = (input: Record<string, unknown>, camel: string, snake: string): unknown =>
  input[camel] ?? input[snake]

/** A checkpoint with `checkpoint` as JSON text or object (GraphQL, REST); see readCheckpoint for compressed ones. */
export function decodeCheckpoint(input: unknown): CheckpointRead {
  if (!isObject(input)) return failure(null, 'there is no checkpoint')
  const threadTs = stringOrNull(field(input, 'threadTs', 'thread_ts'))
  const raw = input.checkpoint
  let checkpoint: unknown = raw
  if (typeof raw === 'string') {
    try {
      checkpoint = JSON.parse(raw)
    } catch {
      return failure(threadTs, 'its checkpoint is not JSON')
    }
  }
  if (checkpoint === undefined || checkpoint === null) {
    const compressed = typeof input.compressed_checkpoint === 'string'
    return failure(
      threadTs,
      compressed ? 'it is compressed (read it with readCheckpoint)' : 'it has no checkpoint',
    )
  }
  if (!isObject(checkpoint)) return failure(threadTs, 'its checkpoint is not a JSON object')
  if (!isObject(checkpoint.channel_values)) return failure(threadTs, 'its checkpoint has no channel_values')

  const { state, warnings } = decodeChannelValues(checkpoint.channel_values)
  const metadata = parseMetadata(input.metadata, warnings)
  return {
    ok: true,
    checkpoint: {
      threadTs: threadTs ?? stringOrNull(checkpoint.id),
      parentTs: stringOrNull(field(input, 'parentTs', 'parent_ts')),
      ts: stringOrNull(checkpoint.ts),
      step: typeof metadata.step === 'number' && Number.isSafeInteger(metadata.step) ? metadata.step : null,
      state,
      warnings,
    },
  }
}

/** Any checkpoint Rails gives, `compressed_checkpoint` (REST with `accept_compressed=true`) included. */
export async function readCheckpoint(
  input: unknown,
  maxInflatedBytes = MAX_INFLATED_BYTES,
): Promise<CheckpointRead> {
  if (
    isObject(input) &&
    (input.checkpoint === undefined || input.checkpoint === null) &&
    typeof input.compressed_checkpoint === 'string'
  ) {
    const threadTs = stringOrNull(field(input, 'threadTs', 'thread_ts'))
    const inflated = await inflateFromBase64(input.compressed_checkpoint, maxInflatedBytes)
    if (!inflated.ok) return failure(threadTs, `its compressed_checkpoint cannot be read: ${inflated.error}`)
    return decodeCheckpoint({ ...input, checkpoint: inflated.text })
  }
  return decodeCheckpoint(input)
}

function parseMetadata(value: unknown, warnings: string[]): Record<string, unknown> {
  if (isObject(value)) return value
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value)
      if (isObject(parsed)) return parsed
    } catch {
      // Reported below: the metadata only gives the step.
    }
  }
  if (value !== undefined && value !== null)
    warnings.push('the checkpoint metadata is not a JSON object: step unknown')
  return {}
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null)

function failure(threadTs: string | null, reason: string): CheckpointRead {
  const which = threadTs ? ` (checkpoint ${threadTs.slice(0, 64)})` : ''
  return {
    ok: false,
    error: `The saved conversation${which} cannot be read: ${reason}. Start a new chat to continue.`,
  }
}
