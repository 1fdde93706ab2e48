/**
 * Switches meant for troubleshooting or tests that must not stay on: GitLab's guide suggests
 * AIGW_AUTH__BYPASS_EXTERNAL=true to isolate auth problems, "but only for troubleshooting".
 */
import type { Config } from '../../src/config.ts'
import { fail, pass, warn, type CheckResult } from './report.ts'

/** Every setting that lets a request in without a valid token, and what it lets in. */
const BYPASSES: { variable: string; on: (c: Config) => boolean; effect: string }[] = [
  {
    variable: 'AIGW_AUTH__BYPASS_EXTERNAL',
    on: (c) => c.auth.bypassExternal,
    effect: 'every request is let in without a token',
  },
  {
    variable: 'AIGW_AUTH__BYPASS_EXTERNAL_WITH_HEADER',
    on: (c) => c.auth.bypassExternalWithHeader,
    effect: 'any request with the header bypass-auth: true is let in',
  },
  {
    variable: 'AIGW_AUTH__BYPASS_JWT_SIGNATURE',
    on: (c) => c.auth.bypassJwtSignature,
    effect: 'token signatures are not checked, so anyone can forge a token',
  },
]

export function checkAuthBypass(config: Config): CheckResult {
  const on = BYPASSES.filter((bypass) => bypass.on(config))
  if (on.length) {
    return fail(
      'auth_bypass',
      'Authentication bypass',
      `${on.map((b) => `${b.variable} is on: ${b.effect}`).join('; ')}`,
      `Remove ${on.map((b) => b.variable).join(' and ')} (or set to false) once troubleshooting is done: the gateway is open to anyone who reaches it.`,
      { on: on.map((b) => b.variable) },
    )
  }
  if (!config.auth.checkSubjectInstanceId) {
    return warn(
      'auth_bypass',
      'Authentication bypass',
      "no bypass is on, but AIGW_AUTH__CHECK_SUBJECT_INSTANCE_ID is false: a token's subject is not compared with X-Gitlab-Instance-Id",
      'Unset AIGW_AUTH__CHECK_SUBJECT_INSTANCE_ID unless a GitLab version needs it off.',
      { on: [] },
    )
  }
  return pass('auth_bypass', 'Authentication bypass', 'no bypass is on: every request needs a valid token', {
    on: [],
  })
}

export function checkMockResponses(config: Config): CheckResult {
  if (config.models.mock) {
    return warn(
      'mock_models',
      'Mock model responses',
      'AIGW_MOCK_MODEL_RESPONSES is on: every model call gets a canned answer, no model is called',
      'Remove AIGW_MOCK_MODEL_RESPONSES (or set it to false) to use real models.',
    )
  }
  return pass('mock_models', 'Mock model responses', 'off: model calls go to the models')
}
