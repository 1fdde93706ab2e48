/**
 * Prompt templates are Mustache (mustache.js: no code generation, so it runs on Workers too),
 * rendered without HTML escaping: a model must see `<`, `&` and quotes as they are. A missing or
 * null variable renders as nothing (GitLab's Jinja printed `None`; a model should not see that).
 */
import Mustache from 'mustache'
import type { ChatMessage } from '../providers/types.ts'
import type { PromptDefinition } from './definition.ts'

const RAW = { escape: (value: unknown) => String(value) }

export type TemplateVariables = Record<string, unknown>

/** Parses every template once, so the first request does not pay for it (mustache.js caches parses). */
export function precompile(definition: PromptDefinition): void {
  for (const message of definition.messages) Mustache.parse(message.template)
}

export function renderMessages(definition: PromptDefinition, variables: TemplateVariables): ChatMessage[] {
  return definition.messages.map((message) => ({ role: message.role, content: Mustache.render(message.template, variables, {}, RAW) }))
}
