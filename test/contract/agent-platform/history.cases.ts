/**
 * The chat agent's history as the model gets it (src/agent-platform/prompt/): tool calls paired
 * with their results (a call left without one is cancelled, a result without its call left out),
 * tool outputs cut to size, and trimming to the model's window at and around the budget, with
 * tool round trips never split. Pure functions: run on Node and inside workerd.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokenBound } from '../../../src/code/context-window.ts'
import { CANCELLED_RESULT, deniedResult, toBlocks } from '../../../src/agent-platform/prompt/history.ts'
import { chatPrompt } from '../../../src/agent-platform/prompt/messages.ts'
import { MESSAGE_OVERHEAD, messageTokens } from '../../../src/agent-platform/prompt/tokens.ts'
import { promptBudget, trimHistory } from '../../../src/agent-platform/prompt/trim.ts'
import {
  TOOL_OUTPUT_KEPT_BYTES,
  TOOL_OUTPUT_MAX_BYTES,
  truncateToolOutput,
} from '../../../src/agent-platform/prompt/tool-output.ts'
import type { ConversationMessage } from '../../../src/agent-platform/state.ts'
import type { ChatMessage, ToolDefinition } from '../../../src/model-call/types.ts'
import { answer, calls, historyOf, input, orderingViolation, result, user } from './prompt-fixtures.ts'

const plain = (history: ConversationMessage[]) => toBlocks(history, (message) => message.content)
const tokens = (messages: readonly ChatMessage[]) =>
  messages.reduce((sum, message) => sum + messageTokens(message), 0)
const roundTrip = (n: number, size: number): ConversationMessage[] => [
  calls(`run-${n}`, { id: `c${n}`, name: 'get_job_logs', arguments: { job_id: n } }),
  result(`c${n}`, `log ${n} `.padEnd(size, '.'), 'success', 'get_job_logs'),
]

export function agentHistoryCases(runtime: 'node' | 'workerd') {
  describe(`chat agent history: tool calls and their results [${runtime}]`, () => {
    it('passes tool round trips as they are: the calls on the assistant message, one result each, errors marked', () => {
      const history = [
        user('q'),
        calls(
          'run-1',
          { id: 'a', name: 'get_project', arguments: { project_id: 7 } },
          { id: 'b', name: 'get_job_logs' },
        ),
        result('a', '{"id":7}'),
        result('b', 'not found', 'error', 'get_job_logs'),
        answer('done'),
      ]
      const messages = historyOf(chatPrompt(input({ history })).messages)
      expect(messages.slice(1, 4)).toEqual([
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'a', name: 'get_project', arguments: { project_id: 7 } },
            { id: 'b', name: 'get_job_logs', arguments: {} },
          ],
        },
        { role: 'tool', toolCallId: 'a', toolName: 'get_project', content: '{"id":7}', isError: false },
        { role: 'tool', toolCallId: 'b', toolName: 'get_job_logs', content: 'not found', isError: true },
      ])
      expect(messages.at(-1)).toEqual({ role: 'assistant', content: 'done' })
      expect(orderingViolation(messages)).toBeUndefined()
    })

    it('a call still without a result gets a cancelled result before the next message (a new message after a pending approval)', () => {
      const history = [
        user('q'),
        calls(
          'run-1',
          { id: 'a', name: 'create_commit' },
          { id: 'b', name: 'create_merge_request_note' },
          { id: 'c', name: 'get_project' },
        ),
        result('b', 'posted'),
        user('never mind, just explain'),
      ]
      const messages = historyOf(chatPrompt(input({ history })).messages)
      const shown = (m: ChatMessage) =>
        m.role === 'tool'
          ? `tool:${m.toolCallId}:${m.content === CANCELLED_RESULT ? 'cancelled' : m.content}`
          : m.role
      expect(messages.map(shown)).toEqual([
        'user',
        'assistant',
        'tool:a:cancelled',
        'tool:b:posted',
        'tool:c:cancelled',
        'user',
      ])
      expect(messages[2]).toMatchObject({ toolName: 'create_commit', isError: true })
      expect(orderingViolation(messages)).toBeUndefined()
      // and when the history ends on the calls (a turn cut off half-way)
      expect(
        orderingViolation(historyOf(chatPrompt(input({ history: history.slice(0, 2) })).messages)),
      ).toBeUndefined()
    })

    it('leaves out results that answer no call of the message before them, and a second result for the same call', () => {
      const history = [
        result('zz', 'orphan'),
        user('q'),
        calls('run-1', { id: 'a', name: 'get_project' }),
        result('x', 'foreign'),
        result('a', 'first'),
        result('a', 'again'),
        answer('ok'),
        result('a', 'late'),
      ]
      const messages = historyOf(chatPrompt(input({ history })).messages)
      expect(messages.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual(['first'])
      expect(orderingViolation(messages)).toBeUndefined()
    })

    it('shows a malformed call with empty arguments, so the error result the engine gave it pairs with it', () => {
      const history: ConversationMessage[] = [
        user('q'),
        {
          role: 'assistant',
          id: 'run-1',
          content: '',
          invalidToolCalls: [
            { id: 'bad', name: 'get_project', arguments: '{"project_id": 7', reason: 'not JSON' },
            { id: '', name: 'x', arguments: '', reason: 'cut off' },
          ],
        },
        result('bad', 'The arguments were not valid JSON', 'error'),
        user('again'),
      ]
      const messages = historyOf(chatPrompt(input({ history })).messages)
      expect(messages[1]).toEqual({
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'bad', name: 'get_project', arguments: {} }],
      })
      expect(messages[2]).toMatchObject({ role: 'tool', toolCallId: 'bad', isError: true })
      expect(orderingViolation(messages)).toBeUndefined()
    })

    it('words a denial with and without the user comment', () => {
      expect(deniedResult()).toMatch(/denied[^]*Do not run it/)
      expect(deniedResult('null')).toBe(deniedResult())
      expect(deniedResult('  use the staging branch ')).toMatch(/commented: use the staging branch\n/)
    })
  })

  describe(`chat agent history: tool output sizes [${runtime}]`, () => {
    it('cuts an output over 200 KiB to its first 100 KiB and says so; up to 200 KiB it is untouched', () => {
      const limit = 'x'.repeat(TOOL_OUTPUT_MAX_BYTES)
      expect(truncateToolOutput(limit)).toBe(limit)
      const over =
        'a'.repeat(TOOL_OUTPUT_KEPT_BYTES) + 'b'.repeat(TOOL_OUTPUT_MAX_BYTES - TOOL_OUTPUT_KEPT_BYTES + 1)
      const cut = truncateToolOutput(over)
      const notice = '\n\n[Output truncated: the tool returned 200 KiB, only the first 100 KiB are shown.'
      expect(cut.startsWith('a'.repeat(TOOL_OUTPUT_KEPT_BYTES) + notice)).toBe(true)
      expect(cut).not.toContain('b')
    })

    it('counts UTF-8 bytes and never splits a character', () => {
      const euro = '€'.repeat(70_000) // 210,000 bytes in 70,000 UTF-16 units
      const cut = truncateToolOutput(euro)
      expect(cut).not.toBe(euro)
      const kept = cut.slice(0, cut.indexOf('\n\n[Output truncated'))
      expect(kept).toBe('€'.repeat(Math.floor(TOOL_OUTPUT_KEPT_BYTES / 3)))
      expect(truncateToolOutput('€'.repeat(68_000))).toBe('€'.repeat(68_000)) // 204,000 bytes < 200 KiB
      const emoji = truncateToolOutput('😀'.repeat(60_000)) // 240,000 bytes
      expect(emoji.slice(0, emoji.indexOf('\n\n[Output truncated'))).toBe(
        '😀'.repeat(TOOL_OUTPUT_KEPT_BYTES / 4),
      )
    })

    it('cuts an oversized stored output before the model sees it', () => {
      const history = [
        user('q'),
        calls('run-1', { id: 'a', name: 'get_job_logs' }),
        result('a', 'L'.repeat(300 * 1024)),
      ]
      const tool = historyOf(chatPrompt(input({ history, contextWindow: 2_000_000 })).messages)[2]!
      expect(
        tool.content.startsWith(
          'L'.repeat(TOOL_OUTPUT_KEPT_BYTES) + '\n\n[Output truncated: the tool returned 300 KiB',
        ),
      ).toBe(true)
    })
  })

  describe(`chat agent history: fitting the context window [${runtime}]`, () => {
    it('sizes a message by the UTF-8 bytes of everything sent for it: text, tool calls, call id and tool name', () => {
      const toolCalls = [
        {
          id: 'c1',
          name: 'create_file_with_contents',
          arguments: { file_path: 'a.md', contents: 'é'.repeat(3000) },
        },
      ]
      expect(messageTokens({ role: 'user', content: 'héllo' })).toBe(MESSAGE_OVERHEAD + 6)
      expect(messageTokens({ role: 'assistant', content: 'ok', toolCalls })).toBe(
        MESSAGE_OVERHEAD + 2 + tokenBound(JSON.stringify(toolCalls)),
      )
      expect(messageTokens({ role: 'assistant', content: 'ok', toolCalls })).toBeGreaterThan(6000)
      expect(messageTokens({ role: 'tool', content: '😀', toolCallId: 'c1', toolName: 'get_project' })).toBe(
        MESSAGE_OVERHEAD + 4 + 2 + 11,
      )
    })

    it('reads a tool result again when the same result object changed between calls', () => {
      const stored = result('a', 'first version') as Extract<ConversationMessage, { role: 'tool' }>
      const history = [user('q'), calls('run-1', { id: 'a', name: 'get_project' }), stored]
      expect(historyOf(chatPrompt(input({ history })).messages)[2]!.content).toBe('first version')
      stored.content = 'second version'
      const again = chatPrompt(input({ history }))
      expect(historyOf(again.messages)[2]!.content).toBe('second version')
      expect(again.promptTokens).toBe(tokens(again.messages))
    })

    it('budgets 70 % of the window, leaving room for the 4,096-token answer', () => {
      expect(promptBudget(200_000, 4096)).toBe(140_000)
      expect(promptBudget(128_000, 4096)).toBe(89_600)
      expect(promptBudget(8_000, 4096)).toBe(3_904)
      expect(promptBudget(1_000, 4096)).toBe(0)
      expect(chatPrompt(input({})).budgetTokens).toBe(140_000)
      expect(chatPrompt(input({ family: input().family, contextWindow: 50_000 })).budgetTokens).toBe(35_000)
    })

    it('keeps everything at the budget; one token less and the oldest go, the rest starting on a user message', () => {
      const history = [
        user('first question'),
        answer('first answer'),
        user('second question'),
        ...roundTrip(1, 300),
        ...roundTrip(2, 300),
        answer('second answer'),
        user('third'),
        ...roundTrip(3, 300),
        ...roundTrip(4, 300),
      ]
      const blocks = plain(history)
      const all = tokens(blocks.flatMap((block) => block.messages))
      const atBudget = trimHistory(blocks, all)
      expect(atBudget).toMatchObject({ leftOut: 0, shortened: 0 })
      expect(atBudget.blocks).toEqual(blocks)
      const under = trimHistory(blocks, all - 1)
      expect(under.leftOut).toBe(2) // 'first question' did not fit; 'first answer' would start the history
      expect(under.blocks[0]!.messages[0]).toEqual({ role: 'user', content: 'second question' })
      expect(under.blocks).toEqual(blocks.slice(2))
    })

    it('in a long tool loop keeps the newest user message and the most recent round trips that fit, never half of one', () => {
      const history = [
        user('old'),
        answer('old answer'),
        user('fix the pipeline'),
        ...[1, 2, 3, 4, 5, 6].flatMap((n) => roundTrip(n, 1000)),
      ]
      const blocks = plain(history)
      const lastThree = tokens(blocks.slice(-3).flatMap((block) => block.messages))
      const room = messageTokens({ role: 'user', content: 'fix the pipeline' }) + lastThree
      for (const extra of [0, 1, 500]) {
        const kept = trimHistory(blocks, room + extra)
        expect(kept.blocks.map((block) => block.messages.length)).toEqual([1, 2, 2, 2])
        expect(kept.blocks[0]!.messages[0]!.content).toBe('fix the pipeline')
        expect(
          kept.blocks.slice(1).map((block) => (block.messages[1] as { toolCallId: string }).toolCallId),
        ).toEqual(['c4', 'c5', 'c6'])
        expect(kept.leftOut).toBe(2 + 6)
      }
      const tighter = trimHistory(blocks, room - 1)
      expect(tighter.blocks.map((block) => block.messages.length)).toEqual([1, 2, 2])
    })

    it('counts the system messages and the tool definitions against the budget', () => {
      const history = Array.from({ length: 30 }, (_, n) => [
        user(`question ${n} `.padEnd(800, '?')),
        answer(`answer ${n} `.padEnd(800, '!')),
      ]).flat()
      const window = 60_000
      const bare = chatPrompt(input({ history, contextWindow: window }))
      expect(bare.leftOut).toBeGreaterThan(0)
      expect(bare.promptTokens).toBeLessThanOrEqual(bare.budgetTokens)
      expect(bare.budgetTokens - bare.promptTokens).toBeLessThan(2 * (800 + MESSAGE_OVERHEAD))
      const tools: ToolDefinition[] = Array.from({ length: 20 }, (_, n) => ({
        name: `tool_${n}`,
        description: 'd'.repeat(400),
        parameters: { type: 'object', properties: {} },
      }))
      const withTools = chatPrompt(input({ history, contextWindow: window, tools }))
      expect(withTools.leftOut).toBeGreaterThan(bare.leftOut)
      expect(withTools.promptTokens).toBeLessThanOrEqual(withTools.budgetTokens)
      expect(withTools.promptTokens - tokenBound(JSON.stringify(tools))).toBe(tokens(withTools.messages))
      for (const prompt of [bare, withTools]) {
        expect(prompt.messages.slice(0, 2).map((m) => m.role)).toEqual(['system', 'system'])
        expect(prompt.messages[2]!.role).toBe('user')
        expect(prompt.messages.at(-1)!.content).toMatch(/^answer 29 /)
      }
    })

    it('shortens single messages over 65 % of the room: a tool result keeps its start, the newest question both ends', () => {
      const room = 10_000
      const cap = Math.floor(room * 0.65)
      const fits = (messages: readonly ChatMessage[]) =>
        messages.every((m) => messageTokens(m) <= cap && messageTokens(m) > cap - 100)

      const loop = trimHistory(plain([user('q'), ...roundTrip(1, 20_000)]), room)
      expect(loop).toMatchObject({ leftOut: 0, shortened: 1 })
      const tool = loop.blocks[1]!.messages[1]!
      expect(tool.content).toMatch(
        /^log 1 \.+\n\n\[The rest of this tool result was left out to fit the model's context window\.\]$/,
      )
      expect(fits([tool])).toBe(true)

      const question = trimHistory(plain([user('QUESTION START'.padEnd(30_000, ' ') + 'QUESTION END')]), room)
      const newest = question.blocks[0]!.messages[0]!
      expect(newest.content.startsWith('QUESTION START')).toBe(true)
      expect(newest.content.endsWith('QUESTION END')).toBe(true)
      expect(newest.content).toContain('part of this message was left out')
      expect(fits([newest])).toBe(true)

      const longAnswer = { ...calls('run-1', { id: 'a', name: 'get_project' }), content: 'L'.repeat(20_000) }
      const older = trimHistory(
        plain([user('OLD'.padEnd(20_000, 'o')), longAnswer, result('a', '{}'), user('q')]),
        room,
      )
      expect(older).toMatchObject({ leftOut: 0, shortened: 2 })
      const [placeholder, assistant] = older.blocks.flatMap((block) => block.messages)
      const why = "it was too long for the model's context window.]"
      expect(placeholder).toEqual({
        role: 'user',
        content: `[An earlier message from the user was left out: ${why}`,
      })
      expect(assistant).toMatchObject({
        role: 'assistant',
        content: `[An earlier answer was left out: ${why}`,
        toolCalls: [{ id: 'a' }],
      })
    })

    it('never drops the system messages or the newest user message, however small the window', () => {
      const history = [user('a'.repeat(5000)), answer('b'), user('the question '.repeat(1000))]
      for (const contextWindow of [1000, 5000, 9000, 20_000]) {
        const prompt = chatPrompt(input({ history, contextWindow }))
        expect(prompt.messages.slice(0, 2).map((m) => m.role)).toEqual(['system', 'system'])
        expect(prompt.messages.at(-1)!.content.endsWith('the question ')).toBe(true)
        if (contextWindow < 10_000) expect(prompt.messages).toHaveLength(3)
      }
    })

    it('holds the ordering rules and the budget for any conversation (property)', () => {
      const text = fc
        .tuple(fc.constantFrom('a', 'é', '😀', 'line\n'), fc.integer({ min: 0, max: 12_000 }))
        .map(([unit, n]) => unit.repeat(n))
      const step = fc.oneof(
        text.map((t) => [user(`${t}END`)]),
        text.map((t) => [answer(t)]),
        fc
          .tuple(fc.integer({ min: 1, max: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), text)
          .map(([n, answered, t]) => {
            const ids = Array.from({ length: n }, (_, i) => `call-${t.length}-${i}`)
            return [
              calls('run', ...ids.map((id) => ({ id, name: 'get_job_logs' }))),
              ...ids.filter((_, i) => answered[i]).map((id) => result(id, t)),
            ]
          }),
        fc.constant([result('stray', 'x')]),
      )
      const conversation = fc.array(step, { minLength: 1, maxLength: 25 }).map((steps) => steps.flat())
      fc.assert(
        fc.property(conversation, fc.integer({ min: 20_000, max: 300_000 }), (history, contextWindow) => {
          const prompt = chatPrompt(input({ history, contextWindow }))
          const rest = historyOf(prompt.messages)
          expect(prompt.messages.slice(0, 2).map((m) => m.role)).toEqual(['system', 'system'])
          expect(orderingViolation(rest)).toBeUndefined()
          expect(prompt.promptTokens).toBe(tokens(prompt.messages))
          expect(prompt.promptTokens).toBeLessThanOrEqual(prompt.budgetTokens)
          const lastUser = history.findLast((m) => m.role === 'user')
          if (lastUser) {
            expect(rest[0]!.role).toBe('user')
            expect(rest.findLast((m) => m.role === 'user')!.content.endsWith('END')).toBe(true)
          }
        }),
        { numRuns: 150 },
      )
    })
  })
}
