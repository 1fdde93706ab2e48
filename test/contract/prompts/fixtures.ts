/**
 * What GitLab sends to the prompt registry routes and to the 17.x chat route (spec gitlab-client
 * §3.1.3, §3.5, §3.6): the Test connection body, the agent-prompt bodies of chat tools and AI
 * actions, and the `prompt_components` body of a slash command on a self-hosted model.
 */
import { DEFINITION_FILES } from '../../../src/prompts/definitions/index.ts'
import { MODEL_KEY } from '../code/fixtures.ts'
import { SCOPES_18 } from '../gitlab.ts'

/**
 * The model behind the fake. The fake's answers report this same name, so "the model's name" in
 * v2 usage is the same whichever of the two (the one asked for, the one that answered) is used.
 */
export const MODEL = 'mistralai/Mistral-7B-Instruct-v0.3'

/** An 18.x token for an instance whose admins enabled the AI actions below. */
export const PROMPT_SCOPES = [...SCOPES_18, 'summarize_review', 'explain_code', 'resolve_vulnerability']

/** `model_metadata` of a self-hosted mistral model as Rails builds it (17.x: provider `openai`). */
export function promptMetadata(
  endpoint: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    provider: 'openai',
    name: 'mistral',
    endpoint,
    api_key: MODEL_KEY,
    identifier: `custom_openai/${MODEL}`,
    ...overrides,
  }
}

/** A prompt-registry body: `inputs`, the self-hosted model, and the rest as given. */
export function invokeBody(
  endpoint: string,
  inputs: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { inputs, model_metadata: promptMetadata(endpoint), ...extra }
}

/** §3.1.3: the Test connection body, key for key, in Rails' order. */
export function testConnectionBody(endpoint: string, apiKey = MODEL_KEY): Record<string, unknown> {
  return {
    stream: false,
    inputs: {},
    model_metadata: {
      name: 'mistral',
      endpoint,
      api_key: apiKey,
      provider: 'openai',
      identifier: 'custom_openai/Mistral-7B-Instruct-v0.3',
    },
  }
}

/** The path Test connection posts to: the slash of the prompt id percent-encoded, literally. */
export const TEST_CONNECTION_PATH = '/v1/prompts/model_configuration%2Fcheck'

export const SELECTED_CODE = 'def total(items)\n  items.sum(&:price)\nend'

/** §3.5: the prompt options Rails' /explain slash command sends as `inputs` (its SlashCommandTool options). */
export const explainCodeInputs = {
  input: 'Explain the code user selected inside <selected_code></selected_code> tags.',
  selected_text: SELECTED_CODE,
  file_content: `Here is the content of the file user is working with:\n<file>\n  class Cart\n${SELECTED_CODE}\nend\n</file>\n`,
  language_info: 'The code is written in Ruby and stored as app/models/cart.rb',
}

/**
 * §3.6: an AI action's body. The model is of a family without prompt directories of its own
 * (18.x "general"), so the base definitions answer: the versions Rails asks for are theirs.
 */
export function actionBody(
  endpoint: string,
  inputs: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { inputs, model_metadata: promptMetadata(endpoint, { provider: 'api', name: 'general' }), ...extra }
}

/** §3.6: summarize_review's only input. */
export const DRAFT_NOTES = 'Comment: please rename x to total\nComment: why is this method public?\n'

interface RawDefinition {
  prompt_id: string
  family: string
  version: string
  also_serves?: string[]
  unit_primitive: string
  model_params?: Record<string, number>
  params?: { stop?: string[] }
  messages: { role: string; template: string | string[] }[]
}

/** Every definition file the gateway ships (data only: the expectation a test compares the upstream call with). */
export function allDefinitions(): RawDefinition[] {
  return DEFINITION_FILES as RawDefinition[]
}

/** The definition files of one prompt id. */
export function definitionsOf(promptId: string): RawDefinition[] {
  return allDefinitions().filter((file) => file.prompt_id === promptId)
}

/** The definition file of `promptId` in the first of `dirs` that has it (then `base`), in `version` when given. */
export function definitionOf(promptId: string, dirs: string[], version?: string): RawDefinition | undefined {
  const files = definitionsOf(promptId)
  const dir = [...dirs, 'base'].find((name) => files.some((file) => file.family === name))
  const inDir = files.filter((file) => file.family === dir)
  if (version === undefined) return inDir[0]
  return inDir.find((file) => file.version === version || file.also_serves?.includes(version))
}

/** A template as one string (a definition may give it as lines). */
export function templateText(template: string | string[]): string {
  return Array.isArray(template) ? template.join('\n') : template
}

/**
 * §3.5: a slash command's body to `/v1/chat/<invokable>` on a self-hosted model (17.x):
 * `prompt_components` with the model fields in the payload.
 */
export function chatV1Body(
  endpoint: string,
  options: {
    content?: unknown
    stream?: boolean
    payload?: Record<string, unknown>
    component?: Record<string, unknown>
  } = {},
): Record<string, unknown> {
  return {
    prompt_components: [
      {
        type: 'prompt',
        metadata: { source: 'GitLab EE', version: '17.10.0' },
        payload: {
          content: options.content ?? [
            { role: 'system', content: 'You are a software developer.\nYou can explain code snippets.' },
            {
              role: 'user',
              content: `Here is the code user selected:\n<selected_code>\n  ${SELECTED_CODE}\n</selected_code>\n\nExplain the code.`,
            },
          ],
          params: {
            temperature: 0.1,
            stop_sequences: ['\n\nHuman', 'Observation:'],
            max_tokens_to_sample: 4096,
          },
          provider: 'litellm',
          model: 'mistral',
          model_endpoint: endpoint,
          model_api_key: MODEL_KEY,
          model_identifier: `custom_openai/${MODEL}`,
          ...options.payload,
        },
        ...options.component,
      },
    ],
    stream: options.stream ?? false,
  }
}
