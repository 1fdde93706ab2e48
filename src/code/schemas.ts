/**
 * Request and response bodies of the code-suggestion routes, with GitLab's field limits (spec
 * features §2.1–§2.4). The same schemas validate requests and produce `/openapi.json`. Unknown
 * fields are ignored, as pydantic does: GitLab passes through whatever the IDE sent.
 */
import * as z from 'zod/mini'
import { modelMetadataDoc } from '../models/metadata.ts'

const text = (max: number) => z.string().check(z.maxLength(max))
const trimmed = (max: number) => z.string().check(z.trim(), z.maxLength(max))
const optional = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema))

export const CONTENT_MAX = 100_000

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })
export type PromptMessage = z.infer<typeof message>

const currentFile = z.object({
  file_name: trimmed(255),
  content_above_cursor: text(CONTENT_MAX),
  content_below_cursor: text(CONTENT_MAX),
  language_identifier: optional(text(255)),
})

/** `model_provider` values GitLab's v2 routes accept; the self-hosted ones are `litellm` and `codestral`. */
export const V2_PROVIDERS = [
  'anthropic',
  'vertex-ai',
  'litellm',
  'codestral',
  'fireworks_ai',
  'amazon_q',
  'gitlab',
] as const

const v2Fields = {
  current_file: currentFile,
  project_path: optional(trimmed(255)),
  project_id: optional(z.int()),
  model_provider: optional(z.enum(V2_PROVIDERS)),
  model_name: optional(trimmed(50)),
  model_endpoint: optional(text(255)),
  model_api_key: optional(text(2000)),
  model_identifier: optional(text(1000)),
  telemetry: optional(
    z
      .array(
        z.object({
          model_engine: optional(text(50)),
          model_name: optional(text(50)),
          lang: optional(text(50)),
          requests: z.int(),
          accepts: z.int(),
          errors: z.int(),
        }),
      )
      .check(z.maxLength(10)),
  ),
  stream: z._default(z.boolean(), false),
  choices_count: optional(z.int()),
  context: optional(
    z.array(z.object({ type: text(1024), name: text(1024), content: text(500_000) })).check(z.maxLength(100)),
  ),
  prompt_id: optional(text(255)),
  role_arn: optional(text(255)),
  model_metadata: z.optional(z.unknown()),
}

/** `prompt_version` 1, 2 or 3 (required): the request format, not a prompt version. */
export const v2CompletionsBody = z.discriminatedUnion('prompt_version', [
  z.object({ ...v2Fields, prompt_version: z.literal(1) }),
  z.object({ ...v2Fields, prompt_version: z.literal(2), prompt: optional(z.string()) }),
  z.object({ ...v2Fields, prompt_version: z.literal(3), prompt: optional(z.array(message)) }),
])
export type V2CompletionsBody = z.infer<typeof v2CompletionsBody>

export const v2GenerationsBody = z.discriminatedUnion('prompt_version', [
  z.object({ ...v2Fields, prompt_version: z.literal(1) }),
  z.object({ ...v2Fields, prompt_version: z.literal(2), prompt: z.string() }),
  z.object({ ...v2Fields, prompt_version: z.literal(3), prompt: z.array(message) }),
])
export type V2GenerationsBody = z.infer<typeof v2GenerationsBody>

const editorPayload = {
  file_name: trimmed(255),
  content_above_cursor: text(CONTENT_MAX),
  content_below_cursor: text(CONTENT_MAX),
  language_identifier: optional(text(255)),
  // Self-hosted models are named by the top-level model_metadata, never here (GitLab: 422 for `litellm`).
  model_provider: optional(z.enum(['vertex-ai', 'anthropic', 'amazon_q'])),
  model_name: optional(text(255)),
  stream: z._default(z.boolean(), false),
  role_arn: optional(text(255)),
}

const componentMetadata = optional(z.object({ source: text(255), version: text(255) }))

const completionComponent = z.object({
  type: z.literal('code_editor_completion'),
  payload: z.object({
    ...editorPayload,
    choices_count: optional(z.int()),
    prompt: optional(z.union([z.string(), z.array(message)])),
  }),
  metadata: componentMetadata,
})

const generationComponent = z.object({
  type: z.literal('code_editor_generation'),
  payload: z.object({
    ...editorPayload,
    prompt: optional(text(400_000)),
    prompt_id: optional(text(255)),
    prompt_enhancer: optional(z.record(z.string(), z.unknown())),
    prompt_version: optional(text(255)),
  }),
  metadata: componentMetadata,
})

const contextComponent = z.object({
  type: z.literal('code_context'),
  payload: z.object({ type: text(1024), name: text(1024), content: text(CONTENT_MAX) }),
  metadata: componentMetadata,
})

export const v3Body = z.object({
  prompt_components: z
    .array(z.discriminatedUnion('type', [completionComponent, generationComponent, contextComponent]))
    .check(z.minLength(1), z.maxLength(100)),
  /** Read by the route itself, so that a bad one gets a detail saying what to fix. */
  model_metadata: z.optional(z.unknown()),
})
export type V3Body = z.infer<typeof v3Body>
export type V3Component = V3Body['prompt_components'][number]

/** The v3/v4 body as documented: `model_metadata` with its real shape (`v3Body` reads it loosely). */
export const v3BodyDoc = z.object({
  prompt_components: v3Body.shape.prompt_components,
  model_metadata: z.optional(modelMetadataDoc),
})

const choice = z.object({ text: z.string(), index: z.int(), finish_reason: z.string() })

export const v2Response = z.object({
  id: z.literal('id'),
  model: z.object({
    engine: z.string(),
    name: z.string(),
    lang: z.string(),
    tokens_consumption_metadata: z.nullable(
      z.object({
        input_tokens: z.int(),
        output_tokens: z.int(),
        max_output_tokens_used: z.boolean(),
        context_tokens_sent: z.int(),
        context_tokens_used: z.int(),
      }),
    ),
    region: z.string(),
  }),
  experiments: z.array(z.unknown()),
  object: z.literal('text_completion'),
  created: z.int(),
  choices: z.array(choice),
  metadata: z.object({ enabled_feature_flags: z.array(z.string()) }),
})

const modelInfo = z.object({ engine: z.string(), name: z.string(), lang: z.string() })

export const v3Response = z.object({
  choices: z.array(choice),
  metadata: z.object({
    model: modelInfo,
    timestamp: z.int(),
    enabled_feature_flags: z.array(z.string()),
    region: z.null(),
  }),
  model: modelInfo,
})
