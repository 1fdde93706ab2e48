/**
 * Prompt templates are Mustache (mustache.js: no code generation, so it runs on Workers too),
 * rendered without HTML escaping: a model must see `<`, `&` and quotes as they are. A missing or
 * null variable renders as nothing (GitLab's Jinja printed `None`; a model should not see that).
 */
import Mustache from 'mustache'
import type { ChatMessage } from '../model-call/types.ts'
import type { PromptDefinition } from './definition.ts'

const RAW = { escape: (value: unknown) => String(value) }

export type TemplateVariables = Record<string, unknown>

/** Parses every template once, so the first request does not pay for it (mustache.js caches parses). */
export function precompile(definition: PromptDefinition): void {
  for (const message of definition.messages) Mustache.parse(message.template)
}

export function renderMessages(definition: PromptDefinition, variables: TemplateVariables): ChatMessage[] {
  return definition.messages.map((message) => ({
    role: message.role,
    content: Mustache.render(message.template, variables, {}, RAW),
  }))
}

const required = new WeakMap<PromptDefinition, readonly string[]>()

/**
 * The variables a definition's templates print outside any section (`{{x}}`, `{{{x}}}`), sorted:
 * the inputs a caller must send. Names used only inside `{{#x}}…{{/x}}` are optional.
 */
export function requiredVariables(definition: PromptDefinition): readonly string[] {
  let names = required.get(definition)
  if (!names) {
    const found = new Set<string>()
    for (const message of definition.messages)
      collectTopLevel(Mustache.parse(message.template) as unknown[], found)
    names = [...found].sort()
    required.set(definition, names)
  }
  return names
}

function collectTopLevel(tokens: unknown[], found: Set<string>): void {
  for (const token of tokens as [string, string][]) {
    const [kind, name] = token
    if ((kind === 'name' || kind === '&') && name !== '.') found.add(name.split('.')[0]!)
  }
}

/** The required variables `variables` lacks (absent, or null). */
export function missingVariables(definition: PromptDefinition, variables: TemplateVariables): string[] {
  return requiredVariables(definition).filter(
    (name) => variables[name] === undefined || variables[name] === null,
  )
}
