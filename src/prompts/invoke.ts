/**
 * Invoking a registry prompt for a self-hosted model (spec features §6): the definition for the
 * model's family in the version asked for, the caller's unit primitive checked against it, the
 * templates rendered with the request's `inputs`, and the call prepared. Shared by
 * `/v1/prompts/{id}` and `/v2/prompts/{id}`, which differ only in the shape of their answers.
 */
import { can } from '../auth/scopes.ts'
import type { AuthContext } from '../auth/auth-context.ts'
import { HttpError, ValidationError } from '../errors.ts'
import { reasonPhrase } from '../http/reason-phrases.ts'
import { UpstreamError } from '../model-call/upstream-error.ts'
import type { Usage } from '../model-call/types.ts'
import type { PromptDefinition } from './definition.ts'
import { requireModelMetadata } from '../models/metadata.ts'
import type { Models } from '../models/models.ts'
import type { ModelInvocation } from '../models/request.ts'
import type { PromptRegistry } from './registry.ts'
import { missingVariables, renderMessages, requiredVariables, type TemplateVariables } from './render.ts'
import { DEFAULT_CONSTRAINT } from './version.ts'

export interface PromptRequest {
  promptId: string
  inputs: Record<string, unknown>
  promptVersion?: string | null | undefined
  modelMetadata: unknown
}

export interface PreparedPrompt {
  definition: PromptDefinition
  invocation: ModelInvocation
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** `December 02, 2026`, as GitLab's registry fills `current_date` (UTC). */
export function currentDate(nowMs: number): string {
  const date = new Date(nowMs)
  return `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, '0')}, ${date.getUTCFullYear()}`
}

export class PromptInvoker {
  private readonly deps: { models: Models; prompts: PromptRegistry; now: () => number }
  constructor(deps: { models: Models; prompts: PromptRegistry; now: () => number }) {
    this.deps = deps
  }

  /**
   * @throws HttpError 400 (unknown prompt or version), 403 (`Unauthorized to access '<id>'`),
   *   422 (no self-hosted model; missing template variables).
   */
  prepare(auth: AuthContext, request: PromptRequest): PreparedPrompt {
    const { promptId } = request
    if (!this.deps.prompts.has(promptId)) {
      throw new HttpError(
        400,
        `Failed to load prompt definition for '${promptId}': no such prompt; available: ${this.deps.prompts.ids().join(', ')}`,
      )
    }
    const model = requireModelMetadata(request.modelMetadata)
    const definition = this.deps.prompts.resolve(
      promptId,
      model.family,
      request.promptVersion || DEFAULT_CONSTRAINT,
    )
    if (!can(auth, definition.unitPrimitive)) throw new HttpError(403, `Unauthorized to access '${promptId}'`)
    checkInputs(request.inputs)

    const variables: TemplateVariables = { current_date: currentDate(this.deps.now()), ...request.inputs }
    const missing = missingVariables(definition, variables)
    if (missing.length > 0) {
      const received = Object.keys(request.inputs).sort()
      throw new ValidationError(
        `Input to prompt '${promptId}' is missing variables {${missing.map((name) => `'${name}'`).join(', ')}}. ` +
          `Expected: [${requiredVariables(definition)
            .map((name) => `'${name}'`)
            .join(', ')}] Received: [${received.map((name) => `'${name}'`).join(', ')}]`,
      )
    }
    return {
      definition,
      invocation: this.deps.models.invocation({
        model,
        messages: renderMessages(definition, variables),
        params: definition.modelParams,
        stop: definition.stop,
        timeoutS: definition.timeoutS,
        labels: { featureCategory: 'ai_abstraction_layer', unitPrimitive: definition.unitPrimitive },
      }),
    }
  }
}

/**
 * A template walks the inputs it renders: a list item becomes the context of a section, and a
 * `null` there is no context at all (mustache.js fails on it, GitLab's Jinja printed `None`). Such
 * an input is the caller's mistake: a 422 naming the field, whichever prompt would have used it.
 * @throws ValidationError
 */
function checkInputs(inputs: Record<string, unknown>): void {
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (item === null)
          throw new ValidationError(
            `${path}[${index}]: null is not allowed in a list; send a value or leave the item out`,
          )
        visit(item, `${path}[${index}]`)
      })
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, `${path}.${key}`)
    }
  }
  for (const [name, value] of Object.entries(inputs)) visit(value, `inputs.${name}`)
}

/**
 * The model server answered with an HTTP error: GitLab's 421 `{"detail": "<status>: <reason>"}`,
 * which its "Test connection" shows to the administrator. Anything else is passed on as it is.
 */
export function misdirected(error: unknown): unknown {
  if (error instanceof UpstreamError && error.failure === 'http' && error.upstreamStatus !== undefined) {
    return new HttpError(421, `${error.upstreamStatus}: ${reasonPhrase(error.upstreamStatus)}`)
  }
  return error
}

/** GitLab's usage object, keyed by the model name; undefined when the model reported nothing. */
export function usageBy(
  modelName: string,
  usage: Usage | undefined,
): Record<string, { input_tokens: number; output_tokens: number }> | undefined {
  if (!usage || (usage.inputTokens === undefined && usage.outputTokens === undefined)) return undefined
  return { [modelName]: { input_tokens: usage.inputTokens ?? 0, output_tokens: usage.outputTokens ?? 0 } }
}
