/**
 * `curl "$AIGW_GITLAB_API_URL/projects"` from GitLab's troubleshooting guide: the API URL answers
 * at all. Any HTTP answer counts (401 is normal without a token); only a network failure fails.
 */
import { request } from './probe.ts'
import { fail, pass, skip, warn, type CheckResult } from './report.ts'
import type { DoctorSettings } from './settings.ts'
import { caBundleFix } from './ca-bundle.ts'

const ID = 'gitlab_api'
const TITLE = 'GitLab API URL'
const VARIABLE = 'AIGW_GITLAB_API_URL'
const TIMEOUT_MS = 10_000

export async function checkGitlabApi(fetcher: typeof fetch, settings: DoctorSettings): Promise<CheckResult> {
  const problem = settings.problems.get(VARIABLE)
  if (problem)
    return fail(
      ID,
      TITLE,
      `${VARIABLE} is invalid: ${problem}; the gateway refuses to start`,
      `Set ${VARIABLE}=https://<your GitLab>/api/v4/`,
    )
  const apiUrl = settings.config.gitlabApiUrl
  if (!settings.isSet(VARIABLE)) {
    if (new URL(settings.config.gitlabUrl).host === 'gitlab.com')
      return skip(ID, TITLE, `not checked: ${VARIABLE} is not set (GitLab.com's API)`)
    return warn(
      ID,
      TITLE,
      `${VARIABLE} is not set, so it is ${apiUrl}, not your instance's API`,
      `Set ${VARIABLE}=${settings.config.gitlabUrl}/api/v4/ as in GitLab's install guide.`,
    )
  }
  const url = `${apiUrl}/projects`
  const answer = await request(fetcher, url, {
    headers: { accept: 'application/json' },
    redirect: 'manual',
    timeoutMs: TIMEOUT_MS,
  })
  if (!answer.ok) {
    const fix =
      answer.failure.kind === 'tls'
        ? caBundleFix(new URL(url).host)
        : `Check ${VARIABLE} (https://<your GitLab>/api/v4/) and that this machine (or container) can reach ${new URL(url).host}: try curl "${url}" from here.`
    return fail(ID, TITLE, `${url} cannot be reached: ${answer.failure.reason}`, fix, {
      url,
      error: answer.failure.code ?? answer.failure.kind,
    })
  }
  const status = answer.response.status
  await answer.response.body?.cancel()
  const details = { url, status }
  if (status === 404) {
    return warn(
      ID,
      TITLE,
      `${url} answers 404: ${VARIABLE} may not be the API root`,
      `${VARIABLE} is GitLab's URL followed by /api/v4/ (e.g. ${settings.config.gitlabUrl}/api/v4/).`,
      details,
    )
  }
  if (status >= 500)
    return warn(
      ID,
      TITLE,
      `${url} answers ${status}: GitLab's API is failing`,
      "Check GitLab's logs.",
      details,
    )
  return pass(
    ID,
    TITLE,
    `${url} answers (HTTP ${status}${status === 401 ? ', normal without a token' : ''})`,
    details,
  )
}
