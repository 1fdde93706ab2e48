/**
 * Checkpoint ids (checkpoint-ids.ts, spec §7.3), the chat log's entries (ui-log.ts, §7.6), the
 * streamed checkpoint (streamed-checkpoint.ts, §5.4) and the status tables (status.ts, §5.6),
 * against what GitLab's service wrote (the fixture) and what its web client does with them.
 * Pure code: run on Node and inside workerd.
 */
import { describe, expect, it } from 'vitest'
import { createCheckpointIds, uuid6Time } from '../../src/agent-platform/checkpoint-ids.ts'
import { createTimestamps, isoMicros } from '../../src/agent-platform/gitlab-time.ts'
import type { ChatStatus, UiLogEntry } from '../../src/agent-platform/state.ts'
import { checkpointStatus, STATUS_TABLE, statusEvent } from '../../src/agent-platform/status.ts'
import { ChatStream } from '../../src/agent-platform/streamed-checkpoint.ts'
import * as ui from '../../src/agent-platform/ui-log.ts'
import { fixture, shape } from './agent-platform-checkpoint.cases.ts'

const log = fixture.checkpoint.channel_values.ui_chat_log as UiLogEntry[]
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/
const UUID4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
const UUID6 = /^[0-9a-f]{8}-[0-9a-f]{4}-6[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const CALL = { id: 'call_hz1', name: 'get_work_item', arguments: { project_id: '1', work_item_iid: 1 } }

/** The web client's merge (§7.7): from the last id it processed (or the start), replace by id, else append. */
function webClient() {
  const messages: UiLogEntry[] = []
  let lastId: string | null = null
  return {
    messages,
    receive(checkpoint: string) {
      const received = (JSON.parse(checkpoint) as { channel_values: { ui_chat_log: UiLogEntry[] } })
        .channel_values.ui_chat_log
      const start = Math.max(
        0,
        received.findIndex((e) => e.message_id === lastId),
      )
      for (const entry of received.slice(start)) {
        const at = messages.findIndex(
          (m) => m.message_id === entry.message_id && m.message_type === entry.message_type,
        )
        if (at >= 0) messages[at] = entry
        else messages.push(entry)
      }
      lastId = received.at(-1)?.message_id ?? lastId
    },
  }
}

export function chatLogCases(runtime: 'node' | 'workerd') {
  describe(`checkpoint ids [${runtime}]`, () => {
    it('are LangGraph’s uuid6 on the same clock as GitLab’s: the fixture’s id names its own instant', () => {
      expect(uuid6Time(fixture.thread_ts)).toBe(Math.floor(Date.parse(fixture.checkpoint.ts)))
      const ids = createCheckpointIds({ now: () => Date.parse('2026-12-07T11:38:00.000Z') })
      const id = ids.next(5)
      expect(id.threadTs).toMatch(UUID6)
      expect(id.threadTs.slice(19, 23)).toBe('8005')
      expect(id.ts).toBe('2026-12-07T11:38:00.000000+00:00')
      expect(ids.next(-1).threadTs.slice(19, 23)).toBe('bfff')
    })

    it('sort after the ids GitLab wrote, even with a clock behind the one that wrote them', () => {
      const behind = createCheckpointIds({ now: () => Date.parse('2026-12-01T00:00:00Z') })
      const id = behind.next(5, fixture.thread_ts)
      expect(id.threadTs > fixture.thread_ts && id.threadTs > fixture.parent_ts!).toBe(true)
      expect(Date.parse(id.ts)).toBeGreaterThan(Date.parse(fixture.checkpoint.ts))
      const now = createCheckpointIds().next(0)
      expect(now.threadTs > fixture.thread_ts).toBe(now.ts > fixture.checkpoint.ts)
      // Not a uuid6 (someone else's text): no constraint, no exception.
      expect(behind.next(6, 'not-an-id').threadTs).toMatch(UUID6)
    })

    it('stay unique and ordered, ids and ts alike, when made in one millisecond', () => {
      const ids = createCheckpointIds({ now: () => 1_800_000_000_000 })
      const made = Array.from({ length: 5000 }, (_, i) => ids.next(i))
      const texts = made.map((m) => m.threadTs)
      expect(new Set(texts).size).toBe(made.length)
      expect([...texts].sort()).toEqual(texts)
      const times = made.map((m) => Date.parse(m.ts))
      expect(times.every((t, i) => i === 0 || t > (times[i - 1] as number))).toBe(true)
      const real = createCheckpointIds()
      const fast = Array.from({ length: 5000 }, (_, i) => real.next(i).threadTs)
      expect([...fast].sort()).toEqual(fast)
    })
  })

  describe(`chat log entries [${runtime}]`, () => {
    it('are written as GitLab wrote them: tool, agent and user entries of the fixture', () => {
      const response = (log[1]?.tool_info?.tool_response as { content: string }).content
      const run = { call: CALL, description: 'Read work item #1 in project 1', response }
      expect(ui.toolEntry(run, { timestamp: log[1]?.timestamp as string })).toEqual(log[1])
      const answer = log[2] as UiLogEntry
      expect(
        ui.agentEntry(answer.message_id as string, answer.content, { timestamp: answer.timestamp }),
      ).toEqual(answer)
      const user = ui.userEntry(log[0]?.content as string, null, { timestamp: log[0]?.timestamp as string })
      expect({ ...user, message_id: log[0]?.message_id }).toEqual(log[0])
      expect(Object.keys(user)).toEqual(Object.keys(log[0] as object))
      expect(user.message_id).toMatch(new RegExp(`^user-${UUID4}$`))
      expect(shape(ui.streamingAgentEntry('m', 'x'))).toEqual(shape({ ...answer, status: null }))
    })

    it('echo the user’s goal verbatim, with the turn’s context encoded as GitLab encodes it', () => {
      const goal = '  Why is   it red?\n\n```\ncode\n```  '
      const entry = ui.userEntry(goal, [{ category: 'repository', id: null, content: '<x>', metadata: {} }])
      expect(entry.content).toBe(goal)
      expect(entry.additional_context).toEqual([
        { category: 'repository', id: null, content: '<x>', metadata: {}, type: 'AdditionalContext' },
      ])
      expect(entry.timestamp).toMatch(TIMESTAMP)
    })

    it('keep 4 KiB of a tool’s output, in code points, never half a surrogate pair', () => {
      const long = `${'a'.repeat(4095)}𝄞${'b'.repeat(100)}`
      const entry = ui.toolEntry({ call: CALL, description: 'Read', response: long })
      const kept = (entry.tool_info?.tool_response as { content: string }).content
      expect([...kept].length).toBe(4096)
      expect(kept.endsWith('a𝄞')).toBe(true)
      expect(ui.cutForUi('short')).toBe('short')
      expect(ui.cutForUi('𝄞'.repeat(5000))).toBe('𝄞'.repeat(4096))
    })

    it('say what failed, ask for approval and report errors with the ids the UI expects', () => {
      const failed = ui.toolEntry({
        call: CALL,
        description: 'Read work item #1',
        failure: 'Tool call failed: 404',
      })
      expect(failed).toMatchObject({
        message_type: 'tool',
        message_sub_type: 'get_work_item',
        status: 'failure',
        content: 'Failed: Read work item #1 - Tool call failed: 404',
        message_id: 'call_hz1',
      })
      expect(failed.tool_info).toEqual({ name: 'get_work_item', args: CALL.arguments })
      expect(
        ui.toolEntry({ call: CALL, description: 'Ran', response: 'out', subType: 'command_output' })
          .message_sub_type,
      ).toBe('command_output')
      expect(ui.approvalRequestEntry(CALL)).toMatchObject({
        message_type: 'request',
        message_sub_type: null,
        status: 'success',
        content: 'Tool get_work_item requires approval. Please confirm if you want to proceed.',
        tool_info: { name: 'get_work_item', args: CALL.arguments },
        message_id: 'request-call_hz1',
      })
      expect(ui.agentFailureEntry('The configured model endpoint returned 404.')).toMatchObject({
        message_type: 'agent',
        content: 'The configured model endpoint returned 404.',
        status: 'failure',
        message_id: expect.stringMatching(new RegExp(`^error-${UUID4}$`)),
      })
      expect(
        ui.invalidToolCallEntry({ id: 'c9', name: 'x', arguments: '{', reason: 'r' }, 'bad call'),
      ).toMatchObject({
        message_type: 'tool',
        message_sub_type: null,
        status: 'failure',
        content: 'Tool call error: bad call',
        tool_info: null,
        message_id: 'c9',
      })
    })

    it('are stamped like Python’s isoformat, never twice the same or backwards', () => {
      expect(isoMicros(Date.parse('2026-12-07T11:37:59.184Z') * 1000 + 459)).toBe(
        '2026-12-07T11:37:59.184459+00:00',
      )
      let now = 1_800_000_000_000
      const clock = createTimestamps(() => now)
      const stamps = [clock(), clock(), clock()]
      now -= 5000
      stamps.push(clock())
      expect(stamps.slice(0, 2)).toEqual([
        '2027-01-15T08:00:00.000000+00:00',
        '2027-01-15T08:00:00.000001+00:00',
      ])
      expect([...stamps].sort()).toEqual(stamps)
      expect(new Set(stamps).size).toBe(4)
    })
  })

  describe(`streamed checkpoints [${runtime}]`, () => {
    const parse = (text: string | undefined) =>
      JSON.parse(text as string) as { channel_values: { ui_chat_log: UiLogEntry[]; plan: unknown } }
    const ids = (text: string | undefined) =>
      parse(text).channel_values.ui_chat_log.map((e) => `${e.message_id}:${e.content}`)

    it('send the log from the entry last sent, the whole log first, and the client ends up with the saved log', () => {
      const stream = new ChatStream({ goal: 'Summarize #1', incremental: true })
      const client = webClient()
      const user = ui.userEntry('Summarize #1')
      const send = () => {
        const checkpoint = stream.compose()
        client.receive(checkpoint.checkpoint as string)
        return checkpoint
      }
      stream.saved([user], 'Not Started')
      const checkpoint = JSON.stringify({ channel_values: { ui_chat_log: [user], plan: { steps: [] } } })
      expect(send()).toEqual({ status: 'CREATED', goal: 'Summarize #1', checkpoint })
      stream.streaming('A', '') // the model turn that only calls a tool: no entry, no empty bubble
      expect(ids(send().checkpoint)).toEqual([`${user.message_id}:Summarize #1`])
      const tool = ui.toolEntry({ call: CALL, description: 'Read work item #1', response: '{}' })
      stream.saved([user, tool], 'Execution')
      const afterTool = send()
      expect(afterTool.status).toBe('RUNNING')
      expect(ids(afterTool.checkpoint)).toEqual([
        `${user.message_id}:Summarize #1`,
        'call_hz1:Read work item #1',
      ])
      stream.streaming('B', 'Issue')
      expect(ids(send().checkpoint)).toEqual(['call_hz1:Read work item #1', 'B:Issue'])
      const first = stream.log.at(-1)?.timestamp
      stream.streaming('B', 'Issue #1 is about the cache.')
      const partial = send()
      const grown = { ...ui.streamingAgentEntry('B', 'Issue #1 is about the cache.'), timestamp: first }
      expect(parse(partial.checkpoint).channel_values.ui_chat_log).toEqual([grown])
      expect(partial.status).toBe('RUNNING')
      const answer = ui.agentEntry('B', 'Issue #1 is about the cache.')
      stream.saved([user, tool, answer], 'input_required')
      const last = send()
      expect(last.status).toBe('INPUT_REQUIRED')
      expect(parse(last.checkpoint).channel_values.ui_chat_log).toEqual([answer])
      expect(client.messages).toEqual([user, tool, answer])
    })

    it('send the whole log again when the entry last sent is gone from the saved state', () => {
      const stream = new ChatStream({ goal: 'g', incremental: true })
      const user = ui.userEntry('g')
      const tool = ui.toolEntry({ call: CALL, description: 'Read', response: '{}' })
      stream.saved([user], 'Execution')
      stream.streaming('A', 'Let me look')
      expect(ids(stream.compose().checkpoint)).toEqual([`${user.message_id}:g`, 'A:Let me look'])
      stream.saved([user, tool], 'Execution') // an engine that did not keep the text
      expect(ids(stream.compose().checkpoint)).toEqual([`${user.message_id}:g`, 'call_hz1:Read'])
      expect(ids(stream.compose().checkpoint)).toEqual(['call_hz1:Read'])
    })

    it('send the whole log every time without incremental_streaming; a resumed stream starts with the whole conversation', () => {
      const stream = new ChatStream({ goal: '', incremental: false, status: 'input_required' })
      stream.saved(log, 'Execution')
      expect(parse(stream.compose().checkpoint).channel_values.ui_chat_log).toEqual(log)
      stream.streaming('C', 'More')
      expect(parse(stream.compose().checkpoint).channel_values.ui_chat_log).toHaveLength(log.length + 1)
      const resumed = new ChatStream({ goal: 'next', incremental: true })
      resumed.saved(log, 'Execution')
      expect(parse(resumed.compose().checkpoint).channel_values.ui_chat_log).toEqual(log)
      expect(parse(resumed.compose().checkpoint).channel_values.ui_chat_log).toEqual([log.at(-1)])
    })

    it('never change the entries they were given, and end a stopped turn with STOPPED and an empty log', () => {
      const answer = ui.streamingAgentEntry('B', 'Is')
      const saved = [answer]
      const stream = new ChatStream({ goal: 'g', incremental: true })
      stream.saved(saved, 'Execution')
      stream.streaming('B', 'Issue')
      expect(saved[0]).toBe(answer)
      expect(answer.content).toBe('Is')
      expect(stream.stopped()).toEqual({
        status: 'STOPPED',
        goal: 'g',
        checkpoint: '{"channel_values":{"ui_chat_log":[],"plan":{"steps":[]}}}',
      })
    })
  })

  describe(`status tables [${runtime}]`, () => {
    it('map every internal status to what the client is shown and the event Rails is told (§5.6)', () => {
      const rows = Object.entries(STATUS_TABLE).map(
        ([status, row]) => `${status} → ${row.checkpoint} ${row.event ?? '-'}`,
      )
      expect(rows).toEqual([
        'Not Started → CREATED -',
        'Planning → RUNNING -',
        'Execution → RUNNING -',
        'input_required → INPUT_REQUIRED require_input',
        'tool_call_approval_required → TOOL_CALL_APPROVAL_REQUIRED require_tool_call_approval',
        'plan_approval_required → PLAN_APPROVAL_REQUIRED require_plan_approval',
        'Paused → PAUSED pause',
        'Completed → FINISHED finish',
        'Error → FAILED drop',
        'Cancelled → STOPPED stop',
        'approval_error → RUNNING -',
      ])
      expect(checkpointStatus('tool_call_approval_required')).toBe('TOOL_CALL_APPROVAL_REQUIRED')
      expect(statusEvent('input_required', 'Execution')).toBe('require_input')
      expect(statusEvent('input_required', 'input_required')).toBeNull()
      expect(statusEvent('Error' satisfies ChatStatus)).toBe('drop')
    })
  })
}
