/**
 * Every check, in the order an administrator would fix things: Node, settings and their names,
 * CA bundle, GitLab (reachable, TLS, discovery, JWKS, clock), CustomersDot, the API URL, switches
 * left on, the gateway's own keys, a model endpoint when one is given, then the Agent Platform
 * service (its settings, keys and port). Network checks run concurrently.
 */
import { checkAgentPlatform } from './agent-platform.ts'
import type { AgentPlatformOptions, ModelOptions } from './args.ts'
import { checkGitlabApi } from './api.ts'
import { checkCaBundle } from './ca-bundle.ts'
import { checkClock } from './clock.ts'
import { checkAuthBypass, checkMockResponses } from './flags.ts'
import { checkIssuer, type IssuerFindings, type IssuerSource } from './issuer.ts'
import { checkSelfSignedKeys } from './keys.ts'
import { checkModel } from './model.ts'
import { checkNodeVersion, checkSettingNames } from './names.ts'
import { fail, pass, skip, type CheckResult } from './report.ts'
import type { DoctorSettings } from './settings.ts'

export async function runChecks(
  settings: DoctorSettings,
  fetcher: typeof fetch,
  model: ModelOptions | null,
  agentPlatform: AgentPlatformOptions = {},
): Promise<CheckResult[]> {
  const { config } = settings
  const gitlab = gitlabSource(settings)
  const customersDot = customersDotSource(settings)
  const [gitlabFindings, customersDotFindings, api, keys, models, platform] = await Promise.all([
    'url' in gitlab ? checkIssuer(gitlab, fetcher, settings) : notChecked(gitlab),
    'url' in customersDot ? checkIssuer(customersDot, fetcher, settings) : notChecked(customersDot),
    checkGitlabApi(fetcher, settings),
    checkSelfSignedKeys(settings),
    model
      ? checkModel(model, fetcher, config)
      : [
          skip(
            'model_endpoint',
            'Model endpoint',
            'not checked: give --model-endpoint URL (with --model-identifier and --model-api-key) to check a self-hosted model',
          ),
        ],
    checkAgentPlatform(settings, fetcher, agentPlatform),
  ])
  return [
    checkNodeVersion(),
    checkSettings(settings),
    checkSettingNames(settings),
    checkCaBundle(settings.caBundle),
    ...gitlabFindings.results,
    checkClock(gitlabFindings.date),
    ...customersDotFindings.results,
    api,
    checkAuthBypass(config),
    checkMockResponses(config),
    ...keys,
    ...models,
    ...platform,
  ]
}

function checkSettings(settings: DoctorSettings): CheckResult {
  if (settings.problems.size === 0)
    return pass('settings', 'Settings', 'the gateway accepts every setting (environment and ./.env)')
  const problems = [...settings.problems].map(([variable, problem]) => `${variable}: ${problem}`)
  return fail(
    'settings',
    'Settings',
    `the gateway refuses to start: ${problems.join('; ')}`,
    'Fix the variables named (docs/settings.md, .env.example); the checks below ran without them.',
    { problems: Object.fromEntries(settings.problems) },
  )
}

/** The GitLab instance to check, or the result saying why it cannot be. */
function gitlabSource(settings: DoctorSettings): IssuerSource | CheckResult {
  const variable = 'AIGW_GITLAB_URL'
  const problem = settings.problems.get(variable)
  if (problem)
    return fail(
      'gitlab_url',
      'GitLab URL',
      `${variable} is invalid: ${problem}`,
      `Set ${variable}=https://<your GitLab> (its root URL, with the relative URL root if any).`,
    )
  if (!settings.isSet(variable)) {
    return fail(
      'gitlab_url',
      'GitLab URL',
      `${variable} is not set: the gateway would accept tokens signed by GitLab.com, not by your instance`,
      `Set ${variable}=https://<your GitLab>, as in GitLab's install guide (docker run -e ${variable}=...).`,
    )
  }
  return { id: 'gitlab', label: 'GitLab', variable, url: settings.config.gitlabUrl, required: true }
}

function customersDotSource(settings: DoctorSettings): IssuerSource | CheckResult {
  const variable = 'AIGW_CUSTOMER_PORTAL_URL'
  const problem = settings.problems.get(variable)
  if (problem)
    return fail(
      'customers_dot_url',
      'CustomersDot URL',
      `${variable} is invalid: ${problem}`,
      `Set ${variable} to CustomersDot's URL, or to nothing (${variable}=) on an offline instance.`,
    )
  const url = settings.config.customerPortalUrl
  if (url === null)
    return skip(
      'customers_dot_url',
      'CustomersDot URL',
      `not used: ${variable} is empty (tokens from GitLab only)`,
    )
  if (url === settings.config.gitlabUrl)
    return skip('customers_dot_url', 'CustomersDot URL', 'the same URL as GitLab: checked above')
  return { id: 'customers_dot', label: 'CustomersDot', variable, url, required: settings.isSet(variable) }
}

async function notChecked(result: CheckResult): Promise<IssuerFindings> {
  return { results: [result], date: null }
}
