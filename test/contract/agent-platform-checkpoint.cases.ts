/**
 * The stored checkpoint (src/agent-platform/checkpoint.ts, spec §7.3–§7.5) against what GitLab's
 * own service wrote (test/fixtures/agent-platform/gitlab-checkpoint-18.9.json): reading it as
 * GraphQL's `latestCheckpoint` delivers it, writing the same shape key for key, our own round trip,
 * compressed checkpoints, and malformed ones. Pure code: run on Node and inside workerd.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compressCheckpointPost,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  type CheckpointPost,
} from '../../src/agent-platform/checkpoint.ts'
import { deflateToBase64, toBase64 } from '../../src/agent-platform/checkpoint-compression.ts'
import type { ChatState } from '../../src/agent-platform/state.ts'
import fixtureFile from '../fixtures/agent-platform/gitlab-checkpoint-18.9.json'

export const fixture = fixtureFile.checkpoint as unknown as CheckpointPost & { id: number }

/** The row as GraphQL's `latestCheckpoint {threadTs parentTs metadata checkpoint}` gives it: JSON strings. */
export const asGraphql = (post: {
  thread_ts: string
  parent_ts: string | null
  checkpoint: unknown
  metadata: unknown
}) => ({
  threadTs: post.thread_ts,
  parentTs: post.parent_ts,
  metadata: JSON.stringify(post.metadata),
  checkpoint: JSON.stringify(post.checkpoint),
})

/** Every object's keys and every leaf's JSON type, recursively: what "the same shape" means here. */
export function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape)
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
  )
}

const fixtureUi = fixture.checkpoint.channel_values.ui_chat_log as unknown[]
const WORK_ITEM_ARGS = { project_id: '1', work_item_iid: 1 }

/** A state exercising every field: what our round trip must give back unchanged. */
export function richState(): ChatState {
  return {
    status: 'tool_call_approval_required',
    goal: 'Why is pipeline 77 failing? ✓ 𝄞',
    history: [
      {
        role: 'user',
        content: 'Why is pipeline 77 failing? ✓ 𝄞',
        additionalContext: [
          {
            category: 'repository',
            id: null,
            content: '<current_gitlab_page_url>x</current_gitlab_page_url>',
            metadata: {},
          },
        ],
      },
      {
        role: 'assistant',
        id: 'lc_run--1',
        content: 'Let me look.',
        toolCalls: [
          {
            id: 'call_1',
            name: 'get_pipeline_failing_jobs',
            arguments: { url: 'http://gl/x/-/merge_requests/3' },
          },
        ],
        invalidToolCalls: [
          { id: 'call_2', name: 'get_job_logs', arguments: '{"job_id": 1', reason: 'not JSON' },
        ],
        usage: { inputTokens: 12, outputTokens: 3 },
        finishReason: 'tool_calls',
      },
      {
        role: 'tool',
        toolCallId: 'call_1',
        toolName: 'get_pipeline_failing_jobs',
        content: '{"jobs": []}',
        status: 'success',
      },
      {
        role: 'tool',
        toolCallId: 'call_2',
        toolName: 'get_job_logs',
        content: 'bad arguments',
        status: 'error',
      },
      {
        role: 'assistant',
        id: 'lc_run--2',
        content: '',
        toolCalls: [
          { id: 'call_3', name: 'create_work_item', arguments: { title: 'Flaky', type_name: 'Issue' } },
        ],
      },
    ],
    uiLog: [fixtureUi[0], fixtureUi[1]] as ChatState['uiLog'],
    project: {
      id: 7,
      name: 'app',
      description: null,
      http_url_to_repo: 'http://gl/grp/app.git',
      web_url: 'http://gl/grp/app',
      default_branch: 'main',
      languages: [{ name: 'Go', share: 80.5 }],
      exclusion_rules: ['secrets/**'],
    },
    namespace: { id: 2, name: 'grp', description: 'Group', web_url: 'http://gl/grp' },
    approval: { message: 'use the other project' },
    preapprovedTools: ['get_project'],
  }
}

const PLACE = {
  threadTs: '1f1f232a-7844-65be-8004-aa4747afab7c',
  parentTs: '1f1f232a-7844-65be-8004-aa4747afab7b',
  ts: '2026-12-07T11:38:00.000000+00:00',
  step: 5,
}

export function checkpointCases(runtime: 'node' | 'workerd') {
  describe(`stored checkpoint: GitLab's own [${runtime}]`, () => {
    it('reads the checkpoint GitLab 18.9 wrote, as GraphQL delivers it', () => {
      const read = decodeCheckpoint(asGraphql(fixture))
      if (!read.ok) throw new Error(read.error)
      const { checkpoint } = read
      expect(checkpoint).toMatchObject({
        threadTs: fixture.thread_ts,
        parentTs: fixture.parent_ts,
        ts: '2026-12-07T11:37:59.794620+00:00',
        step: 4,
      })
      expect(checkpoint.warnings).toEqual([])
      const { state } = checkpoint
      expect(state.status).toBe('input_required')
      expect(state.goal).toBe('Can you summarize issue #1 for me?')
      expect(state.history.slice(0, 4)).toEqual([
        { role: 'user', content: 'Can you summarize issue #1 for me?' },
        {
          role: 'assistant',
          id: 'lc_run--01a2504b-dea6-7ac2-8532-0326065d9f23',
          content: '',
          toolCalls: [{ id: 'call_hz1', name: 'get_work_item', arguments: WORK_ITEM_ARGS }],
          usage: { inputTokens: 50, outputTokens: 20 },
          finishReason: 'tool_calls',
        },
        {
          role: 'tool',
          toolCallId: 'call_hz1',
          toolName: 'get_work_item',
          content: expect.stringContaining('"iid": "1"'),
          status: 'success',
        },
        {
          role: 'assistant',
          id: 'lc_run--01a2504b-e01f-7ad0-bea5-2c52b100b139',
          content: expect.stringMatching(/^Issue #1 is titled "Pipeline cache misses/),
          usage: { inputTokens: 50, outputTokens: 20 },
          finishReason: 'stop',
        },
      ])
      expect(state.history.map((m) => m.role)).toEqual([
        'user',
        'assistant',
        'tool',
        'assistant',
        'user',
        'assistant',
      ])
      expect(state.uiLog).toEqual(fixtureUi)
      expect(state.uiLog.map((e) => e.message_type)).toEqual(['user', 'tool', 'agent', 'user', 'agent'])
      expect(state.project).toEqual({
        id: 1,
        name: 'demo',
        description: 'Demo project',
        http_url_to_repo: 'http://gitlab.example.com/gitlab-org/demo.git',
        web_url: 'http://gitlab.example.com/gitlab-org/demo',
        default_branch: 'main',
        languages: [{ name: 'Ruby', share: 100 }],
        exclusion_rules: [],
      })
      expect([state.namespace, state.approval, state.preapprovedTools]).toEqual([null, null, []])
    })

    it('writes what GitLab wrote, key for key: the body, the envelope, every message and entry', () => {
      const read = decodeCheckpoint(asGraphql(fixture))
      if (!read.ok) throw new Error(read.error)
      const place = {
        threadTs: fixture.thread_ts,
        parentTs: fixture.parent_ts,
        ts: fixture.checkpoint.ts,
        step: 4,
      }
      const ours = encodeCheckpoint(read.checkpoint.state, place, { modelName: 'gpt' })
      const { id: _railsRowId, ...theirs } = fixture
      expect(shape(ours)).toEqual(shape(theirs))
      // The parts that are ours to choose are GitLab's values too.
      expect(ours.metadata).toEqual(theirs.metadata)
      expect(ours.checkpoint.v).toBe(4)
      expect(ours.checkpoint.updated_channels).toEqual(theirs.checkpoint.updated_channels)
      expect(ours.checkpoint.channel_values).toEqual(theirs.checkpoint.channel_values)
    })

    it('an input checkpoint (step -1) also carries the state as LangGraph’s __start__, whose goal Rails takes', () => {
      const post = encodeCheckpoint(richState(), { ...PLACE, parentTs: null, step: -1 })
      expect(post.metadata).toEqual({ source: 'input', step: -1, parents: {} })
      expect(post.checkpoint.channel_values.__start__).toMatchObject({
        goal: 'Why is pipeline 77 failing? ✓ 𝄞',
      })
      expect(post.checkpoint.versions_seen.__start__).toEqual({
        __start__: post.checkpoint.channel_versions.__start__! - 1,
      })
      const read = decodeCheckpoint(asGraphql(post))
      expect(read.ok && read.checkpoint.state).toEqual(richState())
    })
  })

  describe(`stored checkpoint: LangGraph's input checkpoint [${runtime}]`, () => {
    it('reads a fresh thread’s input checkpoint, whose state is only in __start__', () => {
      const theirs = fixture.checkpoint.channel_values
      const start = {
        ...theirs,
        status: 'Not Started',
        conversation_history: { 'Chat Agent': [] },
        ui_chat_log: [fixtureUi[0]],
      }
      const read = decodeCheckpoint({
        checkpoint: { v: 4, channel_values: { __start__: start } },
        metadata: { source: 'input', step: -1 },
      })
      if (!read.ok) throw new Error(read.error)
      expect(read.checkpoint).toMatchObject({ step: -1, warnings: [] })
      expect(read.checkpoint.state).toMatchObject({
        status: 'Not Started',
        goal: theirs.goal,
        history: [],
        uiLog: [fixtureUi[0]],
      })
    })
  })

  describe(`stored checkpoint: ours [${runtime}]`, () => {
    it('round-trips every field of the state', () => {
      const post = encodeCheckpoint(richState(), PLACE, { modelName: 'qwen' })
      expect(post).toMatchObject({
        thread_ts: PLACE.threadTs,
        parent_ts: PLACE.parentTs,
        checkpoint: { id: PLACE.threadTs, ts: PLACE.ts, v: 4 },
      })
      const read = decodeCheckpoint(asGraphql(post))
      if (!read.ok) throw new Error(read.error)
      expect(read.checkpoint).toEqual({
        threadTs: PLACE.threadTs,
        parentTs: PLACE.parentTs,
        ts: PLACE.ts,
        step: 5,
        state: richState(),
        warnings: [],
      })
      // The REST entity (objects, snake_case) reads the same.
      const rest = decodeCheckpoint(JSON.parse(JSON.stringify(post)))
      expect(rest.ok && rest.checkpoint.state).toEqual(richState())
    })

    it('writes AIMessages as LangChain does: calls in both forms, usage with its total', () => {
      const post = encodeCheckpoint(richState(), PLACE, { modelName: 'qwen' })
      const history = (post.checkpoint.channel_values.conversation_history as Record<string, unknown[]>)[
        'Chat Agent'
      ]
      expect(history?.[1]).toEqual({
        content: 'Let me look.',
        additional_kwargs: {
          tool_calls: [
            {
              id: 'call_1',
              function: {
                arguments: '{"url":"http://gl/x/-/merge_requests/3"}',
                name: 'get_pipeline_failing_jobs',
              },
              type: 'function',
              index: 0,
            },
          ],
        },
        response_metadata: { model_name: 'qwen', finish_reason: 'tool_calls' },
        type: 'AIMessage',
        name: null,
        id: 'lc_run--1',
        tool_calls: [
          {
            name: 'get_pipeline_failing_jobs',
            args: { url: 'http://gl/x/-/merge_requests/3' },
            id: 'call_1',
            type: 'tool_call',
          },
        ],
        invalid_tool_calls: [
          {
            name: 'get_job_logs',
            args: '{"job_id": 1',
            id: 'call_2',
            error: 'not JSON',
            type: 'invalid_tool_call',
          },
        ],
        usage_metadata: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
      })
      expect(post.checkpoint.channel_values.approval).toEqual({
        message: 'use the other project',
        type: 'ApprovalStateRejection',
      })
    })

    it('replaces what PostgreSQL’s jsonb refuses (U+0000, lone surrogates) instead of losing the checkpoint', () => {
      const state = richState()
      state.history.push({
        role: 'tool',
        toolCallId: 'call_3',
        toolName: 'create_work_item',
        content: 'a\u0000b\ud800c',
        status: 'success',
      })
      const text = JSON.stringify(encodeCheckpoint(state, PLACE))
      expect(text).not.toMatch(/\\u0000|\\ud800/)
      const read = decodeCheckpoint(JSON.parse(text))
      expect(read.ok && read.checkpoint.state.history.at(-1)).toMatchObject({ content: 'a\ufffdb\ufffdc' })
    })

    it('compressed: base64 of zlib, read back the same; bad data is an error value', async () => {
      const post = encodeCheckpoint(richState(), PLACE)
      const compressed = await compressCheckpointPost(post)
      expect(Object.keys(compressed).sort()).toEqual([
        'compressed_checkpoint',
        'metadata',
        'parent_ts',
        'thread_ts',
      ])
      expect(compressed.compressed_checkpoint).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
      const read = await readCheckpoint(compressed)
      expect(read.ok && read.checkpoint.state).toEqual(richState())

      const bad = async (data: string, max?: number) => {
        const result = await readCheckpoint(
          { thread_ts: 't1', compressed_checkpoint: data, metadata: {} },
          max,
        )
        return result.ok ? 'read' : result.error
      }
      expect(await bad('not base64!')).toMatch(
        /^The saved conversation \(checkpoint t1\) cannot be read: .*not base64/,
      )
      expect(await bad(toBase64(new TextEncoder().encode('plain text, not zlib')))).toMatch(/not zlib data/)
      expect(await bad(compressed.compressed_checkpoint.slice(0, 40))).toMatch(
        /not zlib data, or is cut short|not base64/,
      )
      expect(await bad(await deflateToBase64('x'.repeat(3_000_000)), 1024 * 1024)).toMatch(
        /inflates to more than 1 MiB/,
      )
      expect(await bad(await deflateToBase64('{"channel_values": '))).toMatch(/not JSON/)
    })
  })

  describe(`stored checkpoint: malformed [${runtime}]`, () => {
    it('gives a clear error value, never an exception, for what is not a checkpoint', () => {
      const cases: [unknown, RegExp][] = [
        [null, /cannot be read: there is no checkpoint/],
        ['text', /there is no checkpoint/],
        [
          { threadTs: 'a', checkpoint: '{"v": 4,' },
          /^The saved conversation \(checkpoint a\) cannot be read: its checkpoint is not JSON\. Start a new/,
        ],
        [{ threadTs: 'a', checkpoint: '[1]' }, /its checkpoint is not a JSON object/],
        [{ threadTs: 'a', checkpoint: '{"v": 4}' }, /its checkpoint has no channel_values/],
        [{ threadTs: 'a', checkpoint: { channel_values: 'x' } }, /its checkpoint has no channel_values/],
        [{ threadTs: 'a', checkpoint: null }, /it has no checkpoint/],
        [{ threadTs: 'a', compressed_checkpoint: 'eJw=' }, /it is compressed/],
      ]
      for (const [input, error] of cases) {
        const read = decodeCheckpoint(input)
        expect(read.ok ? 'read' : read.error, JSON.stringify(input)).toMatch(error)
      }
    })

    it('defaults what is missing and skips what is unusable, naming it in warnings', () => {
      const values = {
        status: 'Weird',
        conversation_history: {
          'Chat Agent': [
            { type: 'HumanMessage', content: [{ type: 'text', text: 'hi' }, 'there'] },
            {
              type: 'AIMessage',
              content: [
                { type: 'text', text: 'ok' },
                { type: 'tool_use', id: 't' },
              ],
              tool_calls: [{ id: 'c1', name: 'x', args: '[1]' }],
            },
            { type: 'ToolMessage', content: [{ type: 'image', url: 'u' }], tool_call_id: 'c1', name: null },
            { type: 'SystemMessage', content: 'sys' },
            { type: 'AdditionalContext', content: 'not a message' },
            42,
          ],
        },
        ui_chat_log: [
          { message_type: 'agent', content: 5, component_name: 'chat' },
          'x',
          { message_type: 'bogus' },
        ],
        project: { id: 'gid://gitlab/Project/9' },
        namespace: { name: 'no id' },
      }
      const read = decodeCheckpoint({
        checkpoint: JSON.stringify({ channel_values: values }),
        metadata: 'not json',
      })
      if (!read.ok) throw new Error(read.error)
      const { state, warnings, step } = read.checkpoint
      expect(step).toBeNull()
      expect(state.status).toBe('Not Started')
      expect(state.history).toEqual([
        { role: 'user', content: 'hithere' },
        {
          role: 'assistant',
          id: expect.stringMatching(/^lc_run--[0-9a-f-]{36}$/),
          content: 'ok',
          invalidToolCalls: [
            { id: 'c1', name: 'x', arguments: '[1]', reason: 'the arguments are not a JSON object' },
          ],
        },
        {
          role: 'tool',
          toolCallId: 'c1',
          toolName: 'x',
          content: '[{"type":"image","url":"u"}]',
          status: 'success',
        },
      ])
      expect(state.uiLog).toEqual([
        {
          message_type: 'agent',
          message_sub_type: null,
          content: '',
          timestamp: '',
          status: null,
          correlation_id: null,
          tool_info: null,
          additional_context: null,
          message_id: null,
          component_name: 'chat',
        },
      ])
      expect(state.project).toMatchObject({ id: 9, name: '', languages: [], exclusion_rules: [] })
      expect(state.namespace).toBeNull()
      expect(warnings).toEqual([
        'conversation message 1 has no id: given one',
        'conversation message 3 is a system message: skipped',
        'conversation message 4 is not a message: skipped',
        'conversation message 5 is not a message: skipped',
        'unknown status "Weird": read as Not Started',
        'chat log entry 1 is not an entry: skipped',
        'chat log entry 2 is not an entry: skipped',
        'the namespace has no usable id: read as none',
        'the checkpoint metadata is not a JSON object: step unknown',
      ])
    })

    it('never throws, whatever JSON the checkpoint holds', () => {
      const anything = fc.jsonValue({ maxDepth: 6 })
      const messageKeys = fc.constantFrom(
        'type',
        'content',
        'tool_calls',
        'invalid_tool_calls',
        'id',
        'args',
        'additional_kwargs',
        'usage_metadata',
      )
      const messageLike = fc.dictionary(
        messageKeys,
        fc.oneof(anything, fc.constantFrom('HumanMessage', 'AIMessage', 'ToolMessage')),
      )
      const channelValues = fc.record(
        {
          status: anything,
          conversation_history: fc.oneof(anything, fc.dictionary(fc.string(), fc.array(messageLike))),
          ui_chat_log: fc.oneof(
            anything,
            fc.array(
              fc.dictionary(fc.constantFrom('message_type', 'tool_info', 'content', 'message_id'), anything),
            ),
          ),
          project: anything,
          namespace: anything,
          approval: anything,
          __start__: anything,
        },
        { requiredKeys: [] },
      )
      fc.assert(
        fc.property(
          fc.oneof(
            anything,
            channelValues.map((v) => ({ channel_values: v })),
          ),
          anything,
          (checkpoint, metadata) => {
            for (const input of [
              { checkpoint, metadata },
              { checkpoint: JSON.stringify(checkpoint), metadata: JSON.stringify(metadata) },
            ]) {
              const read = decodeCheckpoint(input)
              if (read.ok)
                expect(
                  Array.isArray(read.checkpoint.state.history) && Array.isArray(read.checkpoint.state.uiLog),
                ).toBe(true)
              else
                expect(read.error).toMatch(
                  /^The saved conversation .*cannot be read: .+\. Start a new chat to continue\.$/,
                )
            }
          },
        ),
        { numRuns: 300 },
      )
    })
  })
}
