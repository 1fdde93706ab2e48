/**
 * What the Anthropic tool-calling suites (api.anthropic.com and Claude on Vertex) share: tools and
 * a conversation with a tool round trip, neutral and as the Messages API takes them; arguments
 * that are hard to cut; the events of a call; cutting bytes and finding a block's frames.
 * Web APIs only: this runs inside workerd.
 */
import type { ChatMessage, ModelEvent, ToolDefinition } from '../../../src/model-call/types.ts'
import type { Chunk } from '../model-server-client.ts'
import type { SseFrame } from '../wire/sse.ts'

export const TOOLS: ToolDefinition[] = [
  {
    name: 'read_file',
    description: 'Read a file of the project',
    parameters: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] },
  },
  {
    name: 'list_dir',
    description: 'List a directory',
    parameters: { type: 'object', properties: { directory: { type: 'string' } } },
  },
  // No description, and no schema at all: a tool without arguments.
  { name: 'get_time', description: '', parameters: {} },
]

/** The tools as the Messages API takes them. */
export const ANTHROPIC_TOOLS = [
  {
    name: 'read_file',
    description: 'Read a file of the project',
    input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] },
  },
  {
    name: 'list_dir',
    description: 'List a directory',
    input_schema: { type: 'object', properties: { directory: { type: 'string' } } },
  },
  { name: 'get_time', input_schema: { type: 'object' } },
]

/** A round trip with parallel calls, an error result, a user remark after the results, and a call with neither text nor arguments. */
export const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are GitLab Duo Chat.' },
  { role: 'user', content: 'What is in src?' },
  {
    role: 'assistant',
    content: 'Looking.',
    toolCalls: [
      { id: 'toolu_01', name: 'list_dir', arguments: { directory: 'src' } },
      { id: 'toolu_02', name: 'read_file', arguments: { file_path: 'README.md' } },
    ],
  },
  { role: 'tool', toolCallId: 'toolu_01', toolName: 'list_dir', content: 'app.ts\nworker.ts' },
  { role: 'tool', toolCallId: 'toolu_02', toolName: 'read_file', content: 'No such file', isError: true },
  { role: 'user', content: 'And the time?' },
  { role: 'assistant', content: ' ', toolCalls: [{ id: 'toolu_03', name: 'get_time', arguments: {} }] },
  { role: 'tool', toolCallId: 'toolu_03', toolName: 'get_time', content: '' },
]

/** The conversation as Messages API turns: roles alternate, every result in the turn after its call. */
export const ANTHROPIC_CONVERSATION = [
  { role: 'user', content: 'What is in src?' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Looking.' },
      { type: 'tool_use', id: 'toolu_01', name: 'list_dir', input: { directory: 'src' } },
      { type: 'tool_use', id: 'toolu_02', name: 'read_file', input: { file_path: 'README.md' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_01', content: 'app.ts\nworker.ts' },
      { type: 'tool_result', tool_use_id: 'toolu_02', content: 'No such file', is_error: true },
      { type: 'text', text: 'And the time?' },
    ],
  },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_03', name: 'get_time', input: {} }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_03' }] },
]

/** Arguments with escapes (`\"`, `\\`, `\n`, `\u00e9`) and multi-byte characters (2, 4 bytes) to cut inside of. */
export const TRICKY_ARGS = '{"file_path": "docs/grüße \\"quoted\\" 🎉.md", "pattern": "a\\\\b\\nc\\u00e9"}'
export const TRICKY_PARSED = { file_path: 'docs/grüße "quoted" 🎉.md', pattern: 'a\\b\nc\u00e9' }

/** The events of one call that ends well: start, one delta per non-empty piece, end. */
export function callEvents(
  index: number,
  id: string,
  name: string,
  pieces: string[],
  args: Record<string, unknown>,
): ModelEvent[] {
  return [
    { type: 'tool_call_start', index, id, name },
    ...pieces
      .filter((piece) => piece !== '')
      .map((piece): ModelEvent => ({ type: 'tool_call_delta', index, arguments: piece })),
    { type: 'tool_call_end', index, call: { id, name, arguments: args } },
  ]
}

/** `text` cut into two chunks at byte `at` (inside a multi-byte character too); the second a moment later, so they arrive apart. */
export function cutAt(text: string, at: number): Chunk[] {
  const bytes = new TextEncoder().encode(text)
  return [bytes.subarray(0, at), bytes.subarray(at)].map((part, i) => ({ base64: base64(part), delayMs: i }))
}

function base64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** The position of the first frame of content block `block` (its start), and of its last (its stop). */
export function blockFrames(frames: SseFrame[], block: number): { first: number; last: number } {
  const of = (frame: SseFrame) => (frame.data as { index?: number }).index
  const first = frames.findIndex((frame) => frame.event === 'content_block_start' && of(frame) === block)
  const last = frames.findIndex((frame) => frame.event === 'content_block_stop' && of(frame) === block)
  return { first, last }
}

export const utf8Length = (text: string) => new TextEncoder().encode(text).byteLength
