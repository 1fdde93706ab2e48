/**
 * The tools, calls and conversations of the OpenAI-compatible tool-calling suite, each beside the
 * exact JSON the server must receive for it, and the neutral events a call streams as.
 */
import type { ChatMessage, ModelEvent, ToolCall, ToolDefinition } from '../../../src/model-call/types.ts'
import * as wire from '../wire/openai.ts'
import type { SseFrame } from '../wire/sse.ts'

export const TOOLS: ToolDefinition[] = [
  {
    name: 'grep',
    description: 'Search the files of the project for a pattern',
    parameters: {
      type: 'object',
      properties: { pattern: { type: 'string' }, paths: { type: 'array', items: { type: 'string' } } },
      required: ['pattern'],
    },
  },
  {
    name: 'read_file',
    description: 'Read one file of the project',
    parameters: {
      type: 'object',
      properties: { file_path: { type: 'string' } },
      required: ['file_path'],
      additionalProperties: false,
    },
  },
]

export const TOOLS_WIRE = TOOLS.map(({ name, description, parameters }) => ({
  type: 'function',
  function: { name, description, parameters },
}))

/** A call's arguments as the model writes them, and what they mean. */
export const ARGS_A = '{"pattern":"def add(","paths":["lib/","test/"]}'
export const CALL_A: ToolCall = {
  id: 'call_Qx1fT0',
  name: 'grep',
  arguments: { pattern: 'def add(', paths: ['lib/', 'test/'] },
}
/** Escapes (\", \n, \u00e9) and characters of two and four UTF-8 bytes, for the cuts. */
export const ARGS_B = '{"file_path":"lib/mäth \\"v2\\".py","note":"Grüße 🎉\\n","sep":"caf\\u00e9"}'
export const CALL_B: ToolCall = {
  id: 'call_Rb7kW2',
  name: 'read_file',
  arguments: { file_path: 'lib/mäth "v2".py', note: 'Grüße 🎉\n', sep: 'café' },
}

/**
 * A tool round trip as the agent keeps it: two parallel calls and their results, then text with
 * one more call whose result is an error.
 */
export const ROUND_TRIP: ChatMessage[] = [
  { role: 'system', content: 'You are GitLab Duo.' },
  { role: 'user', content: 'Where is add defined?' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'call_a1', name: 'grep', arguments: { pattern: 'def add(' } },
      { id: 'call_b2', name: 'read_file', arguments: { file_path: 'lib/mäth.py' } },
    ],
  },
  { role: 'tool', toolCallId: 'call_a1', toolName: 'grep', content: 'lib/mäth.py:1:def add(a, b):' },
  {
    role: 'tool',
    toolCallId: 'call_b2',
    toolName: 'read_file',
    content: 'def add(a, b):\n    return a + b\n',
    isError: false,
  },
  {
    role: 'assistant',
    content: 'Let me check the tests too.',
    toolCalls: [{ id: 'call_c3', name: 'read_file', arguments: {} }],
  },
  {
    role: 'tool',
    toolCallId: 'call_c3',
    toolName: 'read_file',
    content: 'file_path is required',
    isError: true,
  },
  { role: 'assistant', content: 'It is in lib/mäth.py.' },
  { role: 'user', content: 'Thanks' },
]

export const ROUND_TRIP_WIRE = [
  { role: 'system', content: 'You are GitLab Duo.' },
  { role: 'user', content: 'Where is add defined?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_a1', type: 'function', function: { name: 'grep', arguments: '{"pattern":"def add("}' } },
      {
        id: 'call_b2',
        type: 'function',
        function: { name: 'read_file', arguments: '{"file_path":"lib/mäth.py"}' },
      },
    ],
  },
  { role: 'tool', tool_call_id: 'call_a1', content: 'lib/mäth.py:1:def add(a, b):' },
  { role: 'tool', tool_call_id: 'call_b2', content: 'def add(a, b):\n    return a + b\n' },
  {
    role: 'assistant',
    content: 'Let me check the tests too.',
    tool_calls: [{ id: 'call_c3', type: 'function', function: { name: 'read_file', arguments: '{}' } }],
  },
  { role: 'tool', tool_call_id: 'call_c3', content: 'file_path is required' },
  { role: 'assistant', content: 'It is in lib/mäth.py.' },
  { role: 'user', content: 'Thanks' },
]

type Named = Pick<ToolCall, 'id' | 'name'>

export const start = (index: number, call: Named): ModelEvent => ({
  type: 'tool_call_start',
  index,
  id: call.id,
  name: call.name,
})
export const end = (index: number, call: ToolCall): ModelEvent => ({ type: 'tool_call_end', index, call })
export const invalid = (index: number, call: Named, text: string, reason: string): ModelEvent => ({
  type: 'tool_call_invalid',
  index,
  call: { id: call.id, name: call.name, arguments: text, reason },
})

/** A call's start, then one delta per piece of its arguments. */
export function toolEvents(index: number, call: Named, pieces: string[]): ModelEvent[] {
  return [
    start(index, call),
    ...pieces.map((text): ModelEvent => ({ type: 'tool_call_delta', index, arguments: text })),
  ]
}

/** A whole call in one piece. */
const whole = (call: typeof CALL_A, text: string, extra: wire.ToolPiece = {}): wire.ToolPiece => ({
  id: call.id,
  type: 'function',
  name: call.name,
  arguments: text,
  ...extra,
})
const finish = (reason = 'tool_calls'): SseFrame => ({ data: wire.chatChunk({}, reason) })
const both = [
  ...toolEvents(0, CALL_A, [ARGS_A]),
  ...toolEvents(1, CALL_B, [ARGS_B]),
  end(0, CALL_A),
  end(1, CALL_B),
  { type: 'finish', reason: 'tool_calls' } as ModelEvent,
]
const mistral = { ...CALL_A, id: 'D681PevKs' }
const noIds = [
  { ...CALL_A, id: 'call_0' },
  { ...CALL_B, id: 'call_1' },
]
/**
 * How the servers stream the same calls, each its own way (checked against their sources and
 * issue trackers), and the events each must come out as.
 */
export const SERVER_STREAMS: [server: string, frames: SseFrame[], events: ModelEvent[]][] = [
  [
    'Ollama: whole calls in their own chunks, every one index 0, and finish_reason stop',
    [
      { data: wire.toolChunk([whole(CALL_A, ARGS_A, { index: 0 })]) },
      { data: wire.toolChunk([whole(CALL_B, ARGS_B, { index: 0 })]) },
      finish('stop'),
    ],
    both,
  ],
  [
    'Ollama before 0.4.7: whole calls without index',
    [
      { data: wire.toolChunk([whole(CALL_A, ARGS_A)]) },
      { data: wire.toolChunk([whole(CALL_B, ARGS_B)]) },
      finish(),
    ],
    both,
  ],
  [
    'several calls in one delta',
    [
      {
        data: wire.toolChunk(
          [whole(CALL_A, ARGS_A, { index: 0 }), whole(CALL_B, ARGS_B, { index: 1 })],
          'tool_calls',
        ),
      },
    ],
    both,
  ],
  [
    'several calls in one delta, index null',
    [
      {
        data: wire.toolChunk([
          whole(CALL_A, ARGS_A, { index: null }),
          whole(CALL_B, ARGS_B, { index: null }),
        ]),
      },
      finish(),
    ],
    both,
  ],
  [
    "Mistral's API: a whole call with a 9-character id",
    [
      { data: wire.toolChunk([{ id: mistral.id, name: mistral.name, arguments: ARGS_A, index: 0 }]) },
      finish(),
    ],
    [...toolEvents(0, mistral, [ARGS_A]), end(0, mistral), { type: 'finish', reason: 'tool_calls' }],
  ],
  [
    'llama.cpp: index, id, type and name with empty arguments first, then arguments under the index',
    [
      { data: wire.toolChunk([whole(CALL_A, '', { index: 0 })]) },
      { data: wire.toolChunk([{ index: 0, arguments: ARGS_A.slice(0, 12) }]) },
      { data: wire.toolChunk([{ index: 0, arguments: ARGS_A.slice(12) }]) },
      finish(),
    ],
    [
      ...toolEvents(0, CALL_A, [ARGS_A.slice(0, 12), ARGS_A.slice(12)]),
      end(0, CALL_A),
      { type: 'finish', reason: 'tool_calls' },
    ],
  ],
  [
    'llama.cpp before #13800: the id inside function, the name repeated on every piece',
    [
      {
        data: wire.toolChunk([
          { index: 0, functionId: CALL_A.id, name: CALL_A.name, arguments: ARGS_A.slice(0, 12) },
        ]),
      },
      {
        data: wire.toolChunk([
          { index: 0, functionId: CALL_A.id, name: CALL_A.name, arguments: ARGS_A.slice(12) },
        ]),
      },
      finish(),
    ],
    [
      ...toolEvents(0, CALL_A, [ARGS_A.slice(0, 12), ARGS_A.slice(12)]),
      end(0, CALL_A),
      { type: 'finish', reason: 'tool_calls' },
    ],
  ],
  [
    'vLLM: the rest of the arguments in the finishing chunk, id and name repeated',
    [
      { data: wire.toolChunk([whole(CALL_A, '', { index: 0 })]) },
      { data: wire.toolChunk([{ index: 0, arguments: ARGS_A.slice(0, 30) }]) },
      { data: wire.toolChunk([whole(CALL_A, ARGS_A.slice(30), { index: 0 })], 'tool_calls') },
    ],
    [
      ...toolEvents(0, CALL_A, [ARGS_A.slice(0, 30), ARGS_A.slice(30)]),
      end(0, CALL_A),
      { type: 'finish', reason: 'tool_calls' },
    ],
  ],
  [
    'a gateway that numbers the calls from 1',
    [
      { data: wire.toolChunk([whole(CALL_A, ARGS_A, { index: 1 })]) },
      { data: wire.toolChunk([whole(CALL_B, ARGS_B, { index: 2 })]) },
      finish(),
    ],
    both,
  ],
  [
    'a server that sends no ids (or empty ones): made up from the position',
    [
      { data: wire.toolChunk([{ index: 0, type: 'function', name: CALL_A.name, arguments: ARGS_A }]) },
      { data: wire.toolChunk([{ index: 1, id: '', name: CALL_B.name, arguments: ARGS_B }]) },
      finish(),
    ],
    [
      ...toolEvents(0, noIds[0]!, [ARGS_A]),
      ...toolEvents(1, noIds[1]!, [ARGS_B]),
      end(0, noIds[0]!),
      end(1, noIds[1]!),
      { type: 'finish', reason: 'tool_calls' },
    ],
  ],
]
