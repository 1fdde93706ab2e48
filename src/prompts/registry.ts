/**
 * The prompt registry: definitions by prompt id, family directory and version, and GitLab's
 * lookup (spec features §4.2, §6): the first of the family's prompt directories that has the
 * prompt decides, `base` last; in it, the version the constraint selects. A prompt or version
 * that does not exist is the caller's mistake: a 400 that lists what does exist.
 */
import * as z from 'zod/mini'
import { HttpError } from '../errors.ts'
import { definitionSchema, toDefinition, type PromptDefinition } from './definition.ts'
import type { ModelFamily } from '../models/families.ts'
import { precompile } from './render.ts'
import { DEFAULT_CONSTRAINT, pickVersion } from './version.ts'

export const BASE_DIR = 'base'

export class PromptRegistry {
  /** prompt id → family directory → version → definition */
  private readonly prompts = new Map<string, Map<string, Map<string, PromptDefinition>>>()
  /** Resolved lookups (every code completion asks the same few): id, family and constraint → definition. */
  private readonly resolved = new Map<string, PromptDefinition>()

  /** @throws Error naming the file when a definition is malformed (a build mistake, found at start-up). */
  constructor(files: readonly unknown[]) {
    for (const file of files) {
      const parsed = z.safeParse(definitionSchema, file)
      if (!parsed.success) {
        const where =
          typeof file === 'object' && file
            ? `${String((file as Record<string, unknown>).prompt_id)}/${String((file as Record<string, unknown>).family)}`
            : '?'
        throw new Error(
          `Invalid prompt definition ${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        )
      }
      const definition = toDefinition(parsed.data)
      precompile(definition)
      const families = this.prompts.get(definition.id) ?? new Map<string, Map<string, PromptDefinition>>()
      const versions = families.get(definition.family) ?? new Map<string, PromptDefinition>()
      for (const version of [definition.version, ...(parsed.data.also_serves ?? [])]) {
        if (versions.has(version))
          throw new Error(`Duplicate prompt definition ${definition.id}/${definition.family}/${version}`)
        versions.set(version, { ...definition, version })
      }
      families.set(definition.family, versions)
      this.prompts.set(definition.id, families)
    }
  }

  has(promptId: string): boolean {
    return this.prompts.has(promptId)
  }

  ids(): string[] {
    return [...this.prompts.keys()].sort()
  }

  /** Every definition, for listings and tests. */
  all(): PromptDefinition[] {
    return [...this.prompts.values()].flatMap((families) =>
      [...families.values()].flatMap((versions) => [...versions.values()]),
    )
  }

  /** Whether `resolve` would find a definition (the prompt exists for the family in a matching version). */
  matches(promptId: string, family: ModelFamily, constraint: string): boolean {
    const versions = this.versionsFor(promptId, family)
    return versions !== undefined && pickVersion([...versions.keys()], constraint) !== undefined
  }

  /**
   * The definition of `promptId` for a model family, in the version `constraint` selects.
   * @throws HttpError 400 for an unknown prompt id, or a constraint no version of it satisfies.
   */
  resolve(promptId: string, family: ModelFamily, constraint: string = DEFAULT_CONSTRAINT): PromptDefinition {
    const key = `${promptId}\n${family.name}\n${constraint}`
    const known = this.resolved.get(key)
    if (known) return known
    const definition = this.lookUp(promptId, family, constraint)
    // Bounded: constraints come from requests, and a client could send a new one each time.
    if (this.resolved.size >= 1024) this.resolved.clear()
    this.resolved.set(key, definition)
    return definition
  }

  private lookUp(promptId: string, family: ModelFamily, constraint: string): PromptDefinition {
    if (!this.prompts.has(promptId))
      throw new HttpError(400, `Prompt '${promptId}' not found; available: ${this.ids().join(', ')}`)
    const versions = this.versionsFor(promptId, family)
    if (!versions)
      throw new HttpError(400, `Prompt '${promptId}' has no definition for model family '${family.name}'`)
    const version = pickVersion([...versions.keys()], constraint)
    if (version === undefined) {
      throw new HttpError(
        400,
        `No version matching '${constraint}' for prompt '${promptId}' (model family '${family.name}'); available: ${[...versions.keys()].sort().join(', ')}`,
      )
    }
    return versions.get(version)!
  }

  /** The versions in the first of the family's directories that has the prompt (`base` last). */
  private versionsFor(promptId: string, family: ModelFamily): Map<string, PromptDefinition> | undefined {
    const families = this.prompts.get(promptId)
    if (!families) return undefined
    const dir = [...family.promptDirs, BASE_DIR].find((name) => families.has(name))
    return dir === undefined ? undefined : families.get(dir)
  }
}
