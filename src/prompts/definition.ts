/**
 * A prompt definition: one data file per prompt id, model family directory and version
 * (`definitions/<prompt_id>/<family>/<version>.json`), checked once when the registry is built.
 * Templates are Mustache, rendered without HTML escaping; a template given as an array of lines
 * is joined with `\n`.
 */
import * as z from 'zod/mini'
import type { ModelParams } from '../models/families.ts'

const template = z.union([z.string(), z.array(z.string())])

export const definitionSchema = z.object({
  prompt_id: z.string().check(z.minLength(1)),
  family: z.string().check(z.minLength(1)),
  version: z.string().check(z.minLength(1)),
  /**
   * Other versions this same definition answers: older ones GitLab bumped without a change a
   * self-hosted model needs, and versions Rails asks for by constraint that name GitLab.com's
   * prompt (Rails 18.9 asks `code_suggestions/generations` for `^2.0.1`).
   */
  also_serves: z.optional(z.array(z.string().check(z.minLength(1)))),
  name: z.string(),
  unit_primitive: z.string(),
  model_params: z.optional(
    z.object({
      max_tokens: z.optional(z.int().check(z.positive())),
      temperature: z.optional(z.number().check(z.gte(0))),
      top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
    }),
  ),
  params: z.optional(
    z.object({
      timeout: z.optional(z.number().check(z.positive())),
      stop: z.optional(z.array(z.string())),
    }),
  ),
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant']), template }))
    .check(z.minLength(1)),
})

export type DefinitionFile = z.infer<typeof definitionSchema>

/** A definition as the registry hands it out. */
export interface PromptDefinition {
  id: string
  /** The family directory it came from (`codestral`, `base`...). */
  family: string
  version: string
  /** Display name (GitLab shows it as the model name of agent-engine answers). */
  name: string
  unitPrimitive: string
  modelParams: ModelParams
  /** Seconds; the model call's overall (and stream idle) limit. */
  timeoutS: number | undefined
  stop: readonly string[] | undefined
  messages: readonly { role: 'system' | 'user' | 'assistant'; template: string }[]
}

export function toDefinition(file: DefinitionFile): PromptDefinition {
  return {
    id: file.prompt_id,
    family: file.family,
    version: file.version,
    name: file.name,
    unitPrimitive: file.unit_primitive,
    modelParams: { ...file.model_params },
    timeoutS: file.params?.timeout,
    stop: file.params?.stop,
    messages: file.messages.map((m) => ({
      role: m.role,
      template: Array.isArray(m.template) ? m.template.join('\n') : m.template,
    })),
  }
}

/** A definition as logs name it: `id/family@version`. */
export function promptLabel(definition: PromptDefinition): string {
  return `${definition.id}/${definition.family}@${definition.version}`
}
