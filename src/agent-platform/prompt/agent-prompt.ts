/**
 * The chat agent's prompt, `chat/agent` (spec §8.1, §8.2): one data file per prompt family under
 * definitions/ (`claude_3`, also used by `general` and any other family; `gpt`), each holding
 * three Mustache templates in this order: the static system message (who the agent is and how it
 * works, the instance and model facts: the same for every call of an instance, so a provider can
 * cache it), the status system message (date, time zone, project and group: changes between calls)
 * and the user template (./user-message.ts). The files are our own words, not GitLab's.
 */
import Mustache from 'mustache'
import * as z from 'zod/mini'
import type { ModelFamily } from '../../models/families.ts'
import {
  definitionSchema,
  promptLabel,
  toDefinition,
  type PromptDefinition,
} from '../../prompts/definition.ts'
import type { NamespaceInfo, ProjectInfo } from '../state.ts'
import claude3 from './definitions/claude_3/1.0.1.json' with { type: 'json' }
import gpt from './definitions/gpt/1.0.1.json' with { type: 'json' }

export interface AgentPrompt {
  /** Model parameters and timeout for the call, and the name (`Chat Agent`, the history's key in a checkpoint). */
  definition: PromptDefinition
  system: string
  status: string
  user: string
}

const RAW = { escape: (value: unknown) => String(value) }

/** Checks a definition file when the module loads: a broken data file fails at startup, not in a chat. */
function load(file: unknown): AgentPrompt {
  const definition = toDefinition(z.parse(definitionSchema, file))
  const roles = definition.messages.map((message) => message.role).join(', ')
  if (roles !== 'system, system, user') {
    throw new Error(
      `${promptLabel(definition)}: expected the messages system (static), system (status), user; found ${roles}`,
    )
  }
  for (const message of definition.messages) Mustache.parse(message.template)
  const [system, status, user] = definition.messages.map((message) => message.template) as [
    string,
    string,
    string,
  ]
  return { definition, system, status, user }
}

const PROMPTS: Readonly<Record<string, AgentPrompt>> = { claude_3: load(claude3), gpt: load(gpt) }

/** GitLab's lookup for the Agent Platform falls back to the Claude-style prompt (spec §4.2: claude_3, litellm, base). */
const FALLBACK = PROMPTS.claude_3!

/** The prompt for a family: the first of its prompt directories that has one, else the `claude_3` prompt. */
export function agentPrompt(family: ModelFamily): AgentPrompt {
  const dir = family.promptDirs.find((name) => Object.hasOwn(PROMPTS, name))
  return dir ? PROMPTS[dir]! : FALLBACK
}

/** The names GitLab's models.yml shows the model for the families the Agent Platform accepts (spec §4.2). */
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  claude_3: 'Self-Hosted Claude',
  general: 'Self-Hosted General Models',
  gpt: 'GPT',
}

export function modelDisplayName(family: ModelFamily): string {
  return Object.hasOwn(DISPLAY_NAMES, family.name) ? DISPLAY_NAMES[family.name]! : family.name
}

/** OpenAI-class models get the clock time in the status block when prompt caching is off (spec §4.1). */
export function isOpenAiClass(family: ModelFamily): boolean {
  return family.name === 'gpt'
}

export type InstanceType = 'GitLab.com (SaaS)' | 'GitLab Dedicated' | 'Self-managed' | 'Unknown'

/** What kind of GitLab the instance URL names (spec §8.2: derived from the project's or group's web URL). */
export function instanceType(url: string | null | undefined): InstanceType {
  const host = hostOf(url)
  if (host === undefined) return 'Unknown'
  if (host === 'gitlab.com') return 'GitLab.com (SaaS)'
  if (host.endsWith('.gitlab-dedicated.com')) return 'GitLab Dedicated'
  return 'Self-managed'
}

export interface InstanceFacts {
  url: string | null
  version: string | null
}

export function renderSystem(prompt: AgentPrompt, family: ModelFamily, instance: InstanceFacts): string {
  const type = instanceType(instance.url)
  return Mustache.render(
    prompt.system,
    {
      instance_type: type,
      instance_url: instance.url,
      gitlab_version: instance.version,
      model_name: modelDisplayName(family),
      // GitLab's Security Analyst agent exists where GitLab runs the agents; a self-managed instance may not have it.
      security_agent: type === 'GitLab.com (SaaS)' || type === 'GitLab Dedicated',
    },
    {},
    RAW,
  )
}

export interface StatusFacts {
  now: number
  /** IANA name; absent: the runtime's own (the server's local time zone; UTC on Workers). Unknown names fall back to UTC. */
  timeZone?: string | undefined
  /** Print the clock time too. */
  showTime: boolean
  project: ProjectInfo | null
  namespace: NamespaceInfo | null
}

export function renderStatus(prompt: AgentPrompt, facts: StatusFacts): string {
  const clock = localClock(facts.now, facts.timeZone)
  const { project, namespace } = facts
  return Mustache.render(
    prompt.status,
    {
      date: clock.date,
      time: facts.showTime ? clock.time : null,
      time_zone: clock.timeZone,
      project: project && {
        id: project.id,
        name: project.name,
        web_url: project.web_url,
        languages: project.languages.map((language) => language.name).join(', '),
      },
      namespace: namespace && {
        id: namespace.id,
        name: namespace.name,
        web_url: namespace.web_url,
        description: namespace.description,
      },
    },
    {},
    RAW,
  )
}

/** Today's date (ISO `YYYY-MM-DD`) and the time (`HH:MM:SS`) in a time zone, and the zone's name. */
export function localClock(now: number, timeZone?: string): { date: string; time: string; timeZone: string } {
  const format = clockFormat(timeZone)
  const parts: Record<string, string> = {}
  for (const part of format.formatToParts(now)) parts[part.type] = part.value
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
    timeZone: format.resolvedOptions().timeZone,
  }
}

function clockFormat(timeZone: string | undefined): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }
  try {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone })
  } catch {
    // An unknown zone name (RangeError): UTC rather than a failed turn.
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' })
  }
}

function hostOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined
  try {
    return new URL(url).hostname.toLowerCase() || undefined
  } catch {
    return undefined
  }
}
