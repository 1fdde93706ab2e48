/**
 * Path safety for the IDE's local tools (spec §8.4): a path that climbs out of the workspace or
 * names a sensitive file (`.env`, `.ssh`, `.git`, editor settings...) is refused here, before any
 * action reaches the client; and the project's Duo context exclusion rules decide which files the
 * model may see at all (excluded files are filtered out of listings and refused for reading and writing).
 */
import { ToolError } from './args.ts'
import { compileRules, ignoredBy, type IgnoreRule } from './gitignore.ts'
import type { ToolContext } from './tool.ts'
import { projectPathOf } from './urls.ts'

/** GitLab's managed deny-list of sensitive paths (18.9), in `.gitignore` syntax. */
export const DENIED_PATHS: readonly string[] = [
  '.config/nvim',
  '.docker',
  '.emacs.d',
  '.env.*',
  '.env',
  '.git',
  '.gitlab/duo',
  '.gitlab/rules',
  '.gnupg',
  '.idea',
  '.metadata',
  '.settings',
  '.ssh',
  '.sublime-project',
  '.sublime-workspace',
  '.vim',
  '.vimrc',
  '.vscode',
  'Dockerfile.secrets',
  '!.env.example',
]

const deniedRules = compileRules(DENIED_PATHS)

// `..` anywhere (as GitLab's service refuses it), also percent-encoded, half-encoded or double-encoded.
const TRAVERSAL = /\.\.|%2e%2e|%2e\.|\.%2e|%252e%252e/i

/** The path as the checks read it: `/` separators, no leading `./`, no empty or `.` segments. */
export function normalisePath(path: string): string {
  const slashed = path.replace(/\\/g, '/')
  const absolute = slashed.startsWith('/')
  const parts = slashed.split('/').filter((part) => part !== '' && part !== '.')
  return (absolute ? '/' : '') + parts.join('/')
}

/**
 * Refuses a path that climbs upwards or matches the deny-list (checked as written and lower-cased,
 * so `.ENV` is caught on case-insensitive file systems).
 */
export function checkPath(path: string, isDir = false): void {
  if (TRAVERSAL.test(path))
    throw new ToolError(`Access denied: Cannot access '${path}' as it contains path traversal patterns`)
  const normalised = normalisePath(path).replace(/^\/+/, '')
  for (const candidate of new Set([normalised, normalised.toLowerCase()])) {
    const rule = ignoredBy(deniedRules, candidate, isDir)
    if (rule)
      throw new ToolError(
        `Access denied: Cannot access '${path}' as it matches the sensitive path pattern '${rule.pattern}'`,
      )
  }
}

/** Whether the deny-list covers `path` (for filtering what a listing or a search returned). */
export function isDenied(path: string, isDir = false): boolean {
  try {
    checkPath(path, isDir)
    return false
  } catch {
    return true
  }
}

export const EXCLUSION_MESSAGE = 'Files excluded due to policy, continue without files:'

/** The project's Duo context exclusion rules (`exclusion_rules`, `.gitignore` syntax). */
export class ExclusionPolicy {
  private readonly rules: IgnoreRule[]

  constructor(rules: readonly string[]) {
    this.rules = compileRules(rules.filter((rule): rule is string => typeof rule === 'string'))
  }

  static of(context: Pick<ToolContext, 'project'>): ExclusionPolicy {
    return new ExclusionPolicy(context.project?.exclusion_rules ?? [])
  }

  get empty(): boolean {
    return this.rules.length === 0
  }

  allows(path: string, isDir = false): boolean {
    return ignoredBy(this.rules, normalisePath(path).replace(/^\/+/, ''), isDir) === undefined
  }

  /** Splits paths into those the model may see and those the rules exclude. */
  partition(paths: readonly string[]): { allowed: string[]; excluded: string[] } {
    const allowed: string[] = []
    const excluded: string[] = []
    for (const path of paths) (this.allows(path) ? allowed : excluded).push(path)
    return { allowed, excluded }
  }

  /** What the model is told about files it may not see. */
  static message(excluded: readonly string[]): string {
    return `${EXCLUSION_MESSAGE}\n${excluded.join('\n')}`
  }
}

/** Joins a directory and an entry of its listing into a repository-relative path. */
export function joinPath(directory: string, entry: string): string {
  const dir = normalisePath(directory)
  const name = normalisePath(entry)
  if (dir === '' || name.startsWith('/') || name === dir || name.startsWith(`${dir}/`)) return name
  return `${dir}/${name}`
}

/**
 * The exclusion rules that apply to files of `project` (an id or a path): the session project's
 * own rules; another project's files are not covered by them (GitLab reads only the session's).
 */
export function policyForProject(
  context: Pick<ToolContext, 'project' | 'gitlabUrl'>,
  project: string | number,
): ExclusionPolicy {
  const own = context.project
  if (!own || own.exclusion_rules.length === 0) return new ExclusionPolicy([])
  const ownPath = projectPathOf(own.web_url, context.gitlabUrl)
  const same =
    typeof project === 'number'
      ? project === own.id
      : ownPath !== undefined && ownPath.toLowerCase() === project.toLowerCase()
  return same ? ExclusionPolicy.of(context) : new ExclusionPolicy([])
}

/** A diff entry's paths (old and new), for the exclusion rules. */
function diffPaths(diff: unknown): string[] {
  if (typeof diff !== 'object' || diff === null) return []
  const entry = diff as Record<string, unknown>
  return [entry.new_path, entry.old_path].filter((p): p is string => typeof p === 'string')
}

/** Diffs whose files the project's exclusion rules cover are dropped, and the model is told which. */
export function filterDiffs(diffs: unknown, policy: ExclusionPolicy): Record<string, unknown> {
  if (!Array.isArray(diffs) || policy.empty) return { diffs }
  const kept: unknown[] = []
  const excluded: string[] = []
  for (const diff of diffs) {
    const paths = diffPaths(diff)
    const blocked = paths.filter((p) => !policy.allows(p))
    if (blocked.length > 0) excluded.push(paths[0] ?? blocked[0] ?? '')
    else kept.push(diff)
  }
  return excluded.length > 0
    ? { diffs: kept, excluded_files: excluded, excluded_reason: ExclusionPolicy.message(excluded) }
    : { diffs: kept }
}
