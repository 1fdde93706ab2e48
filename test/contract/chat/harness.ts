/**
 * Shared by the Duo Chat suites (`POST /v2/chat/agent`, spec features §5.2, gitlab-client §3.4): the
 * bodies Rails sends, a gateway whose token grants the chat and tool primitives, scripted model
 * outputs, and the reading of the NDJSON answer exactly as Rails does (one JSON object per
 * `\n`-terminated line), checking every line is what Python's `json.dumps` would have written.
 */
import { expect } from 'vitest'
import { instanceToken, gitlabHeaders } from '../gitlab.ts'
import { bodyOf, type Received, type Step } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { codeSetup, type CodeSetup } from '../code/harness.ts'
import { MODEL_KEY } from '../code/fixtures.ts'
import { chatStream, type StreamEnd } from '../wire/openai.ts'
import { sseChunks, SSE_HEADERS } from '../wire/sse.ts'

export const CHAT_PATH = '/v2/chat/agent'
export const MISTRAL_IDENTIFIER = 'custom_openai/mistralai/Mistral-7B-Instruct-v0.3'
/** The model part of the identifier; also the `model` the fake's chunks report (wire/openai.ts). */
export const UPSTREAM_MODEL = 'mistralai/Mistral-7B-Instruct-v0.3'

/** Every tool with the primitive that unlocks it (spec §5.2); `gated` ones also need GitLab ≥ 17.5.0-pre. */
export const TOOLS = [
  { name: 'issue_reader', primitive: 'ask_issue', gated: false },
  { name: 'epic_reader', primitive: 'ask_epic', gated: false },
  { name: 'work_item_reader', primitive: 'ask_work_item', gated: false },
  { name: 'gitlab_documentation', primitive: 'documentation_search', gated: false },
  { name: 'build_reader', primitive: 'ask_build', gated: true },
  { name: 'merge_request_reader', primitive: 'ask_merge_request', gated: true },
  { name: 'commit_reader', primitive: 'ask_commit', gated: true },
] as const

export const CONTEXT_CATEGORIES = [
  'file',
  'snippet',
  'merge_request',
  'issue',
  'dependency',
  'local_git',
  'terminal',
  'repository',
  'directory',
  'os_information',
  'agent_user_environment',
] as const

/** An 18.x token as a Duo Enterprise instance signs it for chat: the chat primitive, every tool, every context category. */
export const CHAT_SCOPES = [
  'duo_chat',
  'duo_classic_chat',
  ...TOOLS.map((t) => t.primitive),
  ...CONTEXT_CATEGORIES.map((c) => `include_${c}_context`),
]

export type Json = Record<string, unknown>

/** `model_metadata` as Rails builds it for a self-hosted Mistral behind vLLM. */
export function chatMetadata(endpoint: string, overrides: Json = {}): Json {
  return {
    provider: 'openai',
    name: 'mistral',
    endpoint,
    api_key: MODEL_KEY,
    identifier: MISTRAL_IDENTIFIER,
    ...overrides,
  }
}

/** A user message as Rails 17.3+ sends it (no page context, no file). */
export function ask(content: string, extra: Json = {}): Json {
  return { role: 'user', content, context: null, current_file: null, additional_context: [], ...extra }
}

/** The tool steps Rails has run so far. */
export interface ToolStep {
  thought: string
  tool: string
  tool_input: string
  observation: string
}

/** The trailing assistant message that carries the ReAct loop's scratchpad (`content: null`). */
export function pending(steps: ToolStep[] = []): Json {
  return {
    role: 'assistant',
    content: null,
    agent_scratchpad: steps.map(({ observation, ...action }) => ({
      action: { ...action, type: 'action' },
      observation,
    })),
  }
}

/** A whole request body: the conversation, the self-hosted model, the resources Rails says are unavailable. */
export function chatBody(
  endpoint: string,
  messages: Json[] = [ask('How do I rebase a branch?')],
  extra: Json = {},
): Json {
  return {
    messages,
    model_metadata: chatMetadata(endpoint),
    unavailable_resources: ['Pipelines', 'Vulnerabilities'],
    ...extra,
  }
}

export interface ChatSetup extends CodeSetup {
  /** POSTs `body` to /v2/chat/agent with GitLab's headers (override `x-gitlab-version` in lower case). */
  chat(body: unknown, headers?: Record<string, string | undefined>): Promise<Response>
  /** The same as a token with exactly `scopes`. */
  chatAs(scopes: string[], body: unknown, headers?: Record<string, string | undefined>): Promise<Response>
}

/** A fresh issuer, fake model server and gateway; the token carries CHAT_SCOPES unless `claims` say otherwise. */
export function chatSetup(target: Target) {
  const setUp = codeSetup(target)
  return async (
    settings: Record<string, string> = {},
    claims: Json = { scopes: CHAT_SCOPES },
  ): Promise<ChatSetup> => {
    const setup = await setUp(settings, '18.x', claims)
    return {
      ...setup,
      chat: (body, headers) => setup.post(CHAT_PATH, body, headers),
      chatAs: async (scopes, body, headers = {}) => {
        const token = await instanceToken(setup.issuer, '18.x', { scopes })
        return setup.gateway.fetch(CHAT_PATH, {
          method: 'POST',
          headers: gitlabHeaders(token, headers),
          body: typeof body === 'string' ? body : JSON.stringify(body),
        })
      },
    }
  }
}

/** The fake streams the model output `texts` as chat deltas (then the finish chunk, usage unless `end.usage` is null, `[DONE]`). */
export function says(
  texts: string[],
  end: StreamEnd = {},
  options: { times?: number; hang?: boolean } = {},
): Step {
  return {
    match: '/v1/chat/completions',
    headers: SSE_HEADERS,
    chunks: sseChunks(chatStream(texts, end)),
    ...options,
  }
}

/** The request bodies' messages the gateway sent upstream (OpenAI chat shape). */
export function upstreamMessages(received: Received): { role: string; content: string }[] {
  return bodyOf(received).messages as { role: string; content: string }[]
}

/** A message content as text, whether a string or Anthropic-style blocks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((block) => (block as { text?: string }).text ?? '').join('')
  return ''
}

// The answer.

export interface ChatEvent {
  type: string
  data: Json
}

/** Python's `json.dumps` with default arguments: `", "` and `": "`, ASCII only (lower-case `\uXXXX`, surrogate pairs for astral characters). */
export function pythonJson(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
  }
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  return `{${Object.entries(value as Json)
    .map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
    .join(', ')}}`
}

/** Each event's data fields, in the order GitLab's gateway writes them (its pydantic models' field order). */
const DATA_KEYS: Record<string, string[]> = {
  final_answer_delta: ['text', 'finish_reason'],
  action: ['tool', 'tool_input', 'thought'],
  unknown: ['text'],
  error: ['message', 'retryable'],
  usage: ['usage'],
}

/** Checks the framing Rails relies on and returns the events: 200, NDJSON, each line one Python-style JSON object, `\n`-terminated. */
export function parseEvents(body: string): ChatEvent[] {
  if (body === '') return []
  expect(body.endsWith('\n'), `the last line is not \\n-terminated: ${JSON.stringify(body.slice(-80))}`).toBe(
    true,
  )
  expect(body, 'bytes outside printable ASCII (raw newlines inside a line, unescaped non-ASCII)').toMatch(
    /^[\x20-\x7e\n]*$/,
  )
  return body
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const event = JSON.parse(line) as ChatEvent
      expect(line, 'not the bytes Python json.dumps writes').toBe(pythonJson(event))
      expect(Object.keys(event)).toEqual(['type', 'data'])
      expect(Object.keys(event.data), line).toEqual(DATA_KEYS[event.type])
      return event
    })
}

/** Reads a whole chat answer (the stream must end without breaking). */
export async function events(response: Response): Promise<ChatEvent[]> {
  const body = new TextDecoder().decode(await response.arrayBuffer())
  expect(response.status, body).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
  return parseEvents(body)
}

/** Reads what arrives until the stream ends or breaks: after an upstream failure the body may end either way. */
export async function eventsUntilEnd(response: Response): Promise<ChatEvent[]> {
  expect(response.status).toBe(200)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let body = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      body += decoder.decode(value, { stream: true })
    }
  } catch {
    // A broken connection after the error event is allowed; the events before it are what counts.
  }
  return parseEvents(body)
}

export const types = (list: ChatEvent[]) => list.map((e) => e.type)

/** The final answer Rails shows: the concatenated `final_answer_delta` texts. */
export const answerOf = (list: ChatEvent[]) =>
  list
    .filter((e) => e.type === 'final_answer_delta')
    .map((e) => e.data.text as string)
    .join('')

export const delta = (text: string, finishReason: string | null = null): ChatEvent => ({
  type: 'final_answer_delta',
  data: { text, finish_reason: finishReason },
})

export const usage = (input: number, output: number, model = UPSTREAM_MODEL): ChatEvent => ({
  type: 'usage',
  data: { usage: { [model]: { input_tokens: input, output_tokens: output } } },
})

/**
 * The invariants of a streamed final answer: deltas only (then the closing one with the finish
 * reason, then usage), no empty text but the closing one, their texts joined = `answer`.
 */
export function expectStreamedAnswer(list: ChatEvent[], answer: string, finishReason = 'stop'): void {
  const deltas = list.filter((e) => e.type === 'final_answer_delta')
  expect(types(list).filter((t) => t !== 'final_answer_delta')).toEqual(['usage'])
  expect(list.at(-1)?.type).toBe('usage')
  expect(deltas.at(-1)).toEqual(delta('', finishReason))
  for (const event of deltas.slice(0, -1)) {
    expect(event.data.finish_reason).toBeNull()
    expect(event.data.text).not.toBe('')
  }
  expect(answerOf(list)).toBe(answer)
}
