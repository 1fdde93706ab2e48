/** What the Gemini tool-calling suite sends and expects: an agent's tools, a conversation with a tool round trip, and the events of a call. */
import type { ChatMessage, ModelEvent, ToolDefinition } from '../../../src/model-call/types.ts'

/** Tools as the agent's table and MCP servers describe them: nested objects, arrays, enums, unions, `$ref`, and no parameters. */
export const TOOLS: ToolDefinition[] = [
  {
    name: 'get_work_item',
    description: 'Get a work item of a project or group',
    parameters: {
      type: 'object',
      properties: {
        url: {
          anyOf: [{ type: 'string' }, { type: 'null' }],
          default: null,
          description: 'GitLab URL of the work item',
        },
        project_id: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        work_item_iid: { type: 'integer', minimum: 1 },
        sort: { type: 'string', enum: ['asc', 'desc'] },
      },
      required: ['work_item_iid'],
      additionalProperties: false,
    },
  },
  {
    name: 'create_commit',
    description: 'Commit file changes to a branch',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      $defs: {
        Action: {
          type: 'object',
          properties: {
            action: { enum: ['create', 'delete', 'move', 'update'] },
            file_path: { type: 'string' },
            content: { type: 'string' },
          },
          required: ['action', 'file_path'],
        },
      },
      properties: {
        commit_message: { type: 'string' },
        actions: { type: 'array', items: { $ref: '#/$defs/Action' }, minItems: 1 },
      },
      required: ['commit_message', 'actions'],
    },
  },
  { name: 'get_current_user', description: 'The user of this session', parameters: {} },
]

const COMMIT = {
  commit_message: 'Fix crash',
  actions: [{ action: 'update', file_path: 'app.rb', content: 'ok' }],
}

/** An agent loop's conversation: parallel calls (ids we made up), their results (one failed), then a call Gemini gave an id. */
export const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are GitLab Duo.' },
  { role: 'user', content: 'Fix work item 7, and tell me who I am.' },
  {
    role: 'assistant',
    content: 'Looking.',
    toolCalls: [
      { id: 'call_0', name: 'get_work_item', arguments: { project_id: 42, work_item_iid: 7 } },
      { id: 'call_1', name: 'get_current_user', arguments: {} },
    ],
  },
  { role: 'tool', toolCallId: 'call_0', toolName: 'get_work_item', content: '{"title": "Crash on start"}' },
  {
    role: 'tool',
    toolCallId: 'call_1',
    toolName: 'get_current_user',
    content: 'permission denied',
    isError: true,
  },
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'fc-7f3a', name: 'create_commit', arguments: COMMIT }],
  },
  { role: 'tool', toolCallId: 'fc-7f3a', toolName: 'create_commit', content: 'Created commit 1a2b3c' },
]

/** CONVERSATION as Vertex takes it; `signature`: what the first call of each model turn carries (Gemini 3). */
export function expectedContents(signature?: string): unknown[] {
  const signed = signature ? { thoughtSignature: signature } : {}
  return [
    { role: 'user', parts: [{ text: 'Fix work item 7, and tell me who I am.' }] },
    {
      role: 'model',
      parts: [
        { text: 'Looking.' },
        { functionCall: { name: 'get_work_item', args: { project_id: 42, work_item_iid: 7 } }, ...signed },
        { functionCall: { name: 'get_current_user', args: {} } },
      ],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_work_item', response: { output: '{"title": "Crash on start"}' } } },
        { functionResponse: { name: 'get_current_user', response: { error: 'permission denied' } } },
      ],
    },
    {
      role: 'model',
      parts: [{ functionCall: { id: 'fc-7f3a', name: 'create_commit', args: COMMIT }, ...signed }],
    },
    {
      role: 'user',
      parts: [
        {
          functionResponse: {
            id: 'fc-7f3a',
            name: 'create_commit',
            response: { output: 'Created commit 1a2b3c' },
          },
        },
      ],
    },
  ]
}

export function start(index: number, id: string, name: string): ModelEvent {
  return { type: 'tool_call_start', index, id, name }
}

export function delta(index: number, args: string): ModelEvent {
  return { type: 'tool_call_delta', index, arguments: args }
}

export function end(index: number, id: string, name: string, args: Record<string, unknown>): ModelEvent {
  return { type: 'tool_call_end', index, call: { id, name, arguments: args } }
}

export function invalid(index: number, id: string, name: string, args: string, reason: string): ModelEvent {
  return { type: 'tool_call_invalid', index, call: { id, name, arguments: args, reason } }
}

/** A whole call's events, as Gemini's arrive: start, the arguments' JSON in one delta, end. */
export function wholeCall(
  index: number,
  id: string,
  name: string,
  args: Record<string, unknown>,
): ModelEvent[] {
  return [start(index, id, name), delta(index, JSON.stringify(args)), end(index, id, name, args)]
}
