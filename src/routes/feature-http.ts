/** When a feature route's 422s may say what is wrong (GitLab's rule). */
import type { Context } from 'hono'
import type { Config } from '../config.ts'
import type { AppEnv } from './route.ts'

/** GitLab's rule for detailed 422s: request logging on, or custom models with the instance's verbose-logs header. */
export function detailed(c: Context<AppEnv>, config: Config): boolean {
  return (
    config.logging.enableRequestLogging ||
    (config.customModels.enabled && c.req.header('x-gitlab-enabled-instance-verbose-ai-logs') === 'true')
  )
}
