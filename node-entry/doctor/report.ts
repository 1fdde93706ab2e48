/**
 * What every doctor check returns, and the two ways it is printed: one line per check for people
 * (✓ passed, ! warning, ✗ failed, - not checked; the fix under warnings and failures), or one
 * JSON document for scripts.
 */

export type Status = 'pass' | 'warn' | 'fail' | 'skip'

export interface CheckResult {
  /** Stable identifier for scripts (`gitlab_jwks`, `model_stream`...). */
  id: string
  /** What was checked, in a few words. */
  title: string
  status: Status
  /** The plain-language finding. */
  verdict: string
  /** What to do about a warning or a failure. */
  fix?: string
  /** Facts behind the verdict (status codes, the CA bundle in use, key counts...). */
  details?: Record<string, unknown>
}

export const pass = (
  id: string,
  title: string,
  verdict: string,
  details?: Record<string, unknown>,
): CheckResult => ({
  id,
  title,
  status: 'pass',
  verdict,
  ...(details ? { details } : {}),
})

export const warn = (
  id: string,
  title: string,
  verdict: string,
  fix: string,
  details?: Record<string, unknown>,
): CheckResult => ({
  id,
  title,
  status: 'warn',
  verdict,
  fix,
  ...(details ? { details } : {}),
})

export const fail = (
  id: string,
  title: string,
  verdict: string,
  fix: string,
  details?: Record<string, unknown>,
): CheckResult => ({
  id,
  title,
  status: 'fail',
  verdict,
  fix,
  ...(details ? { details } : {}),
})

export const skip = (id: string, title: string, verdict: string): CheckResult => ({
  id,
  title,
  status: 'skip',
  verdict,
})

const SYMBOLS: Record<Status, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' }

export function summarize(results: readonly CheckResult[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 }
  for (const result of results) counts[result.status]++
  return counts
}

/** Warnings do not fail the run: only a failed check does. */
export function exitCode(results: readonly CheckResult[]): number {
  return results.some((result) => result.status === 'fail') ? 1 : 0
}

export function formatHuman(results: readonly CheckResult[]): string {
  const lines: string[] = []
  for (const result of results) {
    lines.push(`${SYMBOLS[result.status]} ${result.title}: ${result.verdict}`)
    if (result.fix && result.status !== 'pass')
      lines.push(...result.fix.split('\n').map((line, i) => `    ${i === 0 ? 'fix: ' : '     '}${line}`))
  }
  const counts = summarize(results)
  lines.push('')
  lines.push(
    `${counts.pass} passed, ${counts.warn} warning${counts.warn === 1 ? '' : 's'}, ${counts.fail} failed, ${counts.skip} not checked` +
      (counts.fail
        ? ': the gateway will not work as configured.'
        : counts.warn
          ? ': the gateway works; read the warnings.'
          : ': all good.'),
  )
  return `${lines.join('\n')}\n`
}

export function formatJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ ok: exitCode(results) === 0, summary: summarize(results), checks: results }, null, 2)}\n`
}
