import { DEFINITION_FILES } from './definitions/index.ts'
import { PromptRegistry } from './registry.ts'

let shared: PromptRegistry | undefined

/** The registry of the definitions shipped with the gateway, built (and checked) once per process or isolate. */
export function builtInPrompts(): PromptRegistry {
  shared ??= new PromptRegistry(DEFINITION_FILES)
  return shared
}
