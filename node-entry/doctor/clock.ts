/**
 * This machine's clock against GitLab's `Date` header. Tokens carry `iat`/`nbf`/`exp` and the
 * gateway checks them with no leeway: a clock far off rejects fresh tokens as expired or not yet
 * valid.
 */
import { fail, pass, skip, warn, type CheckResult } from './report.ts'

const ID = 'clock'
const TITLE = 'Clock'
/** Beyond this, GitLab's tokens are refused (or accepted after they expired). */
export const MAX_SKEW_S = 60
/** A gateway behind GitLab by more than this refuses a token GitLab signed with `nbf` a few seconds back. */
const NBF_MARGIN_S = 5

export function checkClock(date: { header: string; receivedAt: number } | null): CheckResult {
  if (!date) return skip(ID, TITLE, 'not checked: no Date header from GitLab')
  const gitlab = Date.parse(date.header)
  if (Number.isNaN(gitlab))
    return skip(ID, TITLE, `not checked: GitLab's Date header is not a date (${date.header.slice(0, 60)})`)
  // The header has a resolution of one second and left GitLab before it arrived here.
  const skewS = Math.round((date.receivedAt - gitlab) / 1000)
  const description =
    skewS === 0
      ? "agrees with GitLab's"
      : `is ${Math.abs(skewS)} s ${skewS > 0 ? 'ahead of' : 'behind'} GitLab's`
  const details = { skew_s: skewS, gitlab_date: date.header }
  const fix =
    "Synchronise the clocks of the gateway host and the GitLab host with NTP (for example `timedatectl set-ntp true`, or chrony); containers use the host's clock."
  if (Math.abs(skewS) > MAX_SKEW_S) {
    return fail(
      ID,
      TITLE,
      `this machine's clock ${description}: more than ${MAX_SKEW_S} s, so GitLab's tokens will be refused as expired or not yet valid`,
      fix,
      details,
    )
  }
  if (skewS < -NBF_MARGIN_S) {
    return warn(
      ID,
      TITLE,
      `this machine's clock ${description}: tokens may be refused as "not yet valid" for their first seconds`,
      fix,
      details,
    )
  }
  return pass(ID, TITLE, `this machine's clock ${description} (within ${MAX_SKEW_S} s)`, details)
}
