/**
 * Start-up warnings about setting names, for the mistakes that otherwise go unnoticed: a missing
 * AIGW_GITLAB_URL silently means GitLab.com, and a misspelt AIGW_* or DUO_WORKFLOW_* name is
 * silently ignored (its default applies). Each unknown name is reported with the nearest known
 * one. Only names are looked at, never values: values may be secrets.
 *
 * The known names are config.ts's lists, so a new setting is known here as soon as it exists.
 */
import { AGENT_PLATFORM_SETTING_NAMES as DUO_WORKFLOW_SETTING_NAMES } from './agent-platform/settings.ts'
import { SETTING_NAMES } from './config.ts'

export interface SettingWarning {
  /** `unset`: AIGW_GITLAB_URL is missing; `unknown`: a name the gateway does not read. */
  kind: 'unset' | 'unknown'
  /** The variable concerned, as it was written. */
  variable: string
  /** Where it came from (`environment`, `.env`...), as the caller names it. */
  source?: string
  /** The known setting it most likely means. */
  suggestion?: string
  message: string
}

/** Variables of this project's test suite and tools, not of the gateway: never reported. */
export const TOOLING_VARIABLES: readonly string[] = [
  'AIGW_TEST_REQUIRE_CHROMIUM',
  'AIGW_TEST_REQUIRE_BUILDAH',
  'AIGW_TEST_REQUIRE_K8S_TOOLS',
  'AIGW_TEST_SHOW_RUNTIME_NOISE',
  'AIGW_HELM',
  'AIGW_KUBECTL',
]

const GITLAB_URL = 'AIGW_GITLAB_URL'

interface Family {
  prefix: string
  names: readonly string[]
}

/** Both families are matched case-insensitively, as the gateway (and pydantic) read them. */
function families(): Family[] {
  return [
    { prefix: 'AIGW_', names: SETTING_NAMES.filter((name) => name.startsWith('AIGW_')) },
    { prefix: 'DUO_WORKFLOW_', names: DUO_WORKFLOW_SETTING_NAMES.map((name) => name.toUpperCase()) },
  ]
}

/**
 * The warnings for an environment map (non-string values, such as Workers bindings, are skipped).
 * `sourceOf` says where a variable came from, so the operator knows which file to fix.
 */
export function settingWarnings(
  env: Readonly<Record<string, unknown>>,
  sourceOf: (name: string) => string | undefined = () => undefined,
): SettingWarning[] {
  const warnings: SettingWarning[] = []
  const names = Object.keys(env).filter((name) => typeof env[name] === 'string')
  const gitlabUrl = names.find((name) => name.toUpperCase() === GITLAB_URL && String(env[name]).trim() !== '')
  if (gitlabUrl === undefined) {
    warnings.push({
      kind: 'unset',
      variable: GITLAB_URL,
      message:
        `${GITLAB_URL} is not set: the gateway accepts tokens signed by GitLab.com only, not by your GitLab instance. ` +
        `Set ${GITLAB_URL}=https://<your GitLab>`,
    })
  }
  const known = families()
  const everyKnown = new Set([...known.flatMap((family) => family.names), ...TOOLING_VARIABLES])
  for (const name of names) {
    const upper = name.toUpperCase()
    if (everyKnown.has(upper)) continue
    const family = known.find((f) => upper.startsWith(f.prefix))
    // A misspelt prefix (AGIW_, AIG_) is only caught when the rest is close to a known name.
    // (Names more than two characters longer or shorter cannot be two edits away: not compared.)
    const candidates = family
      ? family.names
      : known.flatMap((f) => f.names).filter((n) => Math.abs(n.length - upper.length) <= 2)
    const nearest = nearestName(upper, candidates)
    if (!family && (nearest === undefined || nearest.distance > 2)) continue
    const source = sourceOf(name)
    const from = source ? ` (from ${source})` : ''
    const close = nearest !== undefined && nearest.distance <= closeEnough(upper, nearest.name)
    let message = `Unknown setting ${name}${from}: aigw-edge does not read it, so it has no effect.`
    if (close) message += ` Did you mean ${nearest.name}?`
    else if (family && family.names.length === 0)
      message += ` This gateway reads no ${family.prefix}* settings yet.`
    else message += ' No known setting is close; the settings reference lists them all.'
    const suggestion = close ? { suggestion: nearest.name } : {}
    warnings.push({ kind: 'unknown', variable: name, ...(source ? { source } : {}), ...suggestion, message })
  }
  return warnings
}

/** A typo, a dropped or doubled underscore, a swapped pair: up to 40 % of the name may differ. */
function closeEnough(a: string, b: string): number {
  return Math.max(2, Math.floor(Math.max(a.length, b.length) * 0.4))
}

function nearestName(
  name: string,
  candidates: readonly string[],
): { name: string; distance: number } | undefined {
  let best: { name: string; distance: number } | undefined
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate)
    if (best === undefined || distance < best.distance) best = { name: candidate, distance }
  }
  return best
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1 (`AGIW` is one step from `AIGW`).
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0)
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, before[j - 2]! + 1)
      current.push(value)
    }
    before = previous
    previous = current
  }
  return previous[b.length]!
}
