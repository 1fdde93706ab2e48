/**
 * Request bodies of `POST /v2/chat/agent` (spec features §5.2; gitlab-client §3.4): the current
 * `messages` shape (GitLab 17.3 and later) and the legacy `prompt` + `options.chat_history` shape
 * of GitLab 17.1–17.2, which this gateway still answers (GitLab's own gateway dropped it).
 */
import * as z from 'zod/mini'
import { modelMetadataDoc } from '../models/metadata.ts'

const text = (max: number) => z.string().check(z.maxLength(max))
const optionalText = (max: number) => z.optional(z.nullable(text(max)))

/** The page the user is on: the legacy `{type, content}` (GitLab < 17.9), `{type, title}`, or a bare `{type}` (builds). */
export const pageContext = z.object({
  type: text(100),
  title: optionalText(4_000),
  content: optionalText(400_000),
})

export const currentFile = z.object({
  file_path: text(4_000),
  data: text(400_000),
  selected_code: z.optional(z.nullable(z.boolean())),
})

export const additionalContext = z.object({
  category: text(100),
  id: optionalText(4_000),
  content: optionalText(400_000),
  metadata: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
})

/** One ReAct step as Rails records it after running a tool. */
export const scratchpadEntry = z.object({
  action: z.optional(
    z.nullable(
      z.object({
        thought: z.optional(z.nullable(z.string())),
        tool: z.string(),
        tool_input: z.optional(z.nullable(z.string())),
        type: z.optional(z.nullable(z.string())),
      }),
    ),
  ),
  observation: z.optional(z.nullable(z.string())),
})

export const legacyStep = z.object({
  thought: z.optional(z.nullable(z.string())),
  tool: z.string(),
  tool_input: z.optional(z.nullable(z.string())),
  observation: z.optional(z.nullable(z.string())),
})

const legacyScratchpad = z.object({
  agent_type: z.optional(z.string()),
  steps: z.array(legacyStep).check(z.maxLength(100)),
})

export const chatMessage = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.optional(z.nullable(text(400_000))),
  context: z.optional(z.nullable(pageContext)),
  current_file: z.optional(z.nullable(currentFile)),
  additional_context: z.optional(z.nullable(z.array(additionalContext).check(z.maxLength(100)))),
  agent_scratchpad: z.optional(z.nullable(z.array(scratchpadEntry).check(z.maxLength(100)))),
})

/** A 17.1–17.2 history entry: `{role, content}`, or a bare string (a user turn). */
const legacyHistoryEntry = z.union([
  z.string(),
  z.object({ role: z.enum(['user', 'assistant', 'system']), content: z.optional(z.nullable(z.string())) }),
])

export const chatBody = z.object({
  messages: z.optional(z.array(chatMessage).check(z.minLength(1), z.maxLength(1000))),
  /** Legacy: the question, when `messages` is absent. */
  prompt: optionalText(400_000),
  options: z.optional(
    z.nullable(
      z.object({
        agent_scratchpad: z.optional(z.nullable(legacyScratchpad)),
        chat_history: z.optional(
          z.nullable(z.union([z.string(), z.array(legacyHistoryEntry).check(z.maxLength(1000))])),
        ),
        context: z.optional(z.nullable(pageContext)),
        current_file: z.optional(z.nullable(currentFile)),
        additional_context: z.optional(z.nullable(z.array(additionalContext).check(z.maxLength(100)))),
      }),
    ),
  ),
  unavailable_resources: z.optional(z.nullable(z.array(text(100)).check(z.maxLength(50)))),
  model_metadata: z.optional(z.unknown()),
})

export type ChatBody = z.infer<typeof chatBody>
export type ChatMessageBody = z.infer<typeof chatMessage>
export type PageContext = z.infer<typeof pageContext>
export type CurrentFile = z.infer<typeof currentFile>
export type AdditionalContext = z.infer<typeof additionalContext>

/** The body as the OpenAPI document shows it (the current shape; the legacy one is accepted too). */
export const chatBodyDoc = z.object({
  messages: z.array(chatMessage),
  options: z.optional(z.object({ agent_scratchpad: z.optional(legacyScratchpad) })),
  unavailable_resources: z.optional(z.array(z.string())),
  model_metadata: modelMetadataDoc,
})
