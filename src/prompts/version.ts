/**
 * Prompt version constraints as GitLab's registry reads them (Poetry style): an exact version
 * string (also a pre-release such as `1.2.0-dev`), caret `^1.0.0`, tilde `~1.0`, or comparisons
 * joined by commas (`>=1.0.0, <2.0.0`). Ranges only ever pick stable versions, the newest.
 */
import maxSatisfying from 'semver/ranges/max-satisfying.js'
import validRange from 'semver/ranges/valid.js'

export const DEFAULT_CONSTRAINT = '^1.0.0'

/** The newest of `versions` that satisfies `constraint`, or undefined (also for a constraint that is no range at all). */
export function pickVersion(versions: readonly string[], constraint: string): string | undefined {
  const wanted = constraint.trim()
  if (versions.includes(wanted)) return wanted
  const range = wanted.replace(/\s*,\s*/g, ' ')
  if (validRange(range) === null) return undefined
  return maxSatisfying([...versions], range) ?? undefined
}
