/**
 * Checkpoints through the fake Rails (test/fakes/rails.ts, which stores them as Rails 18.9 does:
 * jsonb, ActiveSupport's JSON, "latest" = greatest thread_ts as text) and against Node's zlib:
 * a thread GitLab's own service started continues here, our checkpoints become the latest, and
 * compressed ones are what Rails' zlib reads.
 */
import { deflateSync, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  compressCheckpointPost,
  decodeCheckpoint,
  encodeCheckpoint,
  placeAfter,
  readCheckpoint,
  type CheckpointPost,
} from '../../src/agent-platform/checkpoint.ts'
import { inflateFromBase64 } from '../../src/agent-platform/checkpoint-compression.ts'
import { createCheckpointIds } from '../../src/agent-platform/checkpoint-ids.ts'
import type { ChatState } from '../../src/agent-platform/state.ts'
import { agentEntry, userEntry } from '../../src/agent-platform/ui-log.ts'
import { fixture, richState } from '../contract/agent-platform-checkpoint.cases.ts'
import { compressCheckpoint, createFakeRails, type FakeRails } from '../fakes/rails.ts'

const WORKFLOWS = '/api/v4/ai/duo_workflows/workflows'
const LATEST = `query($workflowId: AiDuoWorkflowsWorkflowID!) {
  duoWorkflowWorkflows(workflowId: $workflowId) { nodes { latestCheckpoint { threadTs parentTs metadata checkpoint } } }
}`

async function latest(rails: FakeRails, id: string): Promise<unknown> {
  const body = JSON.stringify({
    query: LATEST,
    variables: { workflowId: `gid://gitlab/Ai::DuoWorkflows::Workflow/${id}` },
  })
  const response = await rails.handle({ method: 'POST', path: '/api/graphql', body })
  const answer = JSON.parse(response.body) as {
    data: { duoWorkflowWorkflows: { nodes: { latestCheckpoint: unknown }[] } }
  }
  return answer.data.duoWorkflowWorkflows.nodes[0]?.latestCheckpoint
}

const post = (rails: FakeRails, id: string, body: unknown) =>
  rails.handle({ method: 'POST', path: `${WORKFLOWS}/${id}/checkpoints`, body: JSON.stringify(body) })

/** The next turn of a conversation, as the engine would add it. */
function followUp(state: ChatState, question: string, answer: string): ChatState {
  return {
    ...state,
    status: 'input_required',
    history: [
      ...state.history,
      { role: 'user', content: question },
      { role: 'assistant', id: `lc_run--${question}`, content: answer, finishReason: 'stop' },
    ],
    uiLog: [...state.uiLog, userEntry(question), agentEntry(`lc_run--${question}`, answer)],
  }
}

describe('checkpoints through Rails', () => {
  it('continue a thread GitLab’s service wrote: ours become the latest, even from a clock behind GitLab’s', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow({ status: 'input_required', checkpoints: [fixture] })
    const first = decodeCheckpoint(await latest(rails, id))
    if (!first.ok) throw new Error(first.error)
    expect(first.checkpoint).toMatchObject({ threadTs: fixture.thread_ts, step: 4, warnings: [] })

    const ids = createCheckpointIds({ now: () => Date.parse('2026-12-01T00:00:00Z') })
    let state = first.checkpoint.state
    let previous: { threadTs: string | null; step: number | null } = first.checkpoint
    for (const compressed of [false, true]) {
      state = followUp(state, `Question ${previous.step}?`, `Answer ${previous.step}.`)
      const place = placeAfter(previous, ids)
      expect(place).toMatchObject({ parentTs: previous.threadTs, step: (previous.step ?? 0) + 1 })
      const body = encodeCheckpoint(state, place, { modelName: 'gpt' })
      const response = await post(rails, id, compressed ? await compressCheckpointPost(body) : body)
      expect(response).toMatchObject({ statusCode: 201 })
      expect(JSON.parse(response.body)).toMatchObject({
        thread_ts: place.threadTs,
        parent_ts: previous.threadTs,
      })
      previous = place
    }
    const parent = previous.threadTs
    expect(rails.ruleBreaks(id)).toEqual([])
    expect(rails.errors).toEqual([])

    const again = decodeCheckpoint(await latest(rails, id))
    if (!again.ok) throw new Error(again.error)
    expect(again.checkpoint).toMatchObject({ threadTs: parent, step: 6, warnings: [] })
    expect(again.checkpoint.state).toEqual(state)
    expect(again.checkpoint.state.history).toHaveLength(10)
    // The web UI shows the checkpoint with the greatest `ts`: ours.
    const newest = [...rails.checkpoints(id)].sort((a, b) => Date.parse(ts(b)) - Date.parse(ts(a)))[0]
    expect(newest?.thread_ts).toBe(parent)

    // REST, compressed (`accept_compressed=true`), newest first: the same state.
    const rest = await rails.handle({
      method: 'GET',
      path: `${WORKFLOWS}/${id}/checkpoints?accept_compressed=true`,
    })
    const [entity] = JSON.parse(rest.body) as Record<string, unknown>[]
    expect(entity).toHaveProperty('compressed_checkpoint')
    const read = await readCheckpoint(entity)
    expect(read.ok && read.checkpoint.state).toEqual(state)
  })

  it('are saved although a tool wrote what PostgreSQL cannot store (U+0000)', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow({ status: 'running' })
    const state = richState()
    state.history.push({
      role: 'tool',
      toolCallId: 'call_3',
      toolName: 'create_work_item',
      content: 'binary\u0000output',
      status: 'success',
    })
    const body = encodeCheckpoint(state, placeAfter(null))
    expect(body).toMatchObject({ parent_ts: null, metadata: { step: 0 } })
    const raw = JSON.parse(JSON.stringify(body)) as CheckpointPost
    ;(raw.checkpoint.channel_values.status as unknown) = 'nul \u0000 here'
    expect(await post(rails, id, raw)).toMatchObject({ statusCode: 500 }) // what the fake does with it unreplaced
    expect(await post(rails, id, body)).toMatchObject({ statusCode: 201 })
    const read = decodeCheckpoint(await latest(rails, id))
    expect(read.ok && read.checkpoint.state.history.at(-1)).toMatchObject({ content: 'binary\ufffdoutput' })
  })
})

describe('compressed checkpoints and zlib', () => {
  it('are what zlib inflates, and read what zlib deflates', async () => {
    const body = encodeCheckpoint(richState(), { ...createCheckpointIds().next(3), parentTs: null, step: 3 })
    const compressed = await compressCheckpointPost(body)
    expect(inflateSync(Buffer.from(compressed.compressed_checkpoint, 'base64')).toString('utf8')).toBe(
      JSON.stringify(body.checkpoint),
    )

    const text = JSON.stringify(body.checkpoint)
    for (const level of [1, 6, 9])
      expect(await inflateFromBase64(deflateSync(text, { level }).toString('base64'))).toEqual({
        ok: true,
        text,
      })
    const rails = {
      thread_ts: body.thread_ts,
      compressed_checkpoint: compressCheckpoint(body.checkpoint),
      metadata: body.metadata,
    }
    const read = await readCheckpoint(rails)
    expect(read.ok && read.checkpoint.state).toEqual(richState())
  })
})

const ts = (record: { checkpoint: unknown }) => (record.checkpoint as { ts: string }).ts
