/** HTTP details every feature route shares: GitLab's raw-text stream headers and when 422s may say what is wrong. */
import type { Context } from 'hono'
import type { Config } from '../config.ts'
import type { AppEnv } from '../deps.ts'

/** GitLab's raw text streams (code suggestions, v1 chat, prompts): `text/event-stream`, no framing; proxies must not buffer. */
export const RAW_TEXT_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' }

/** GitLab's rule for detailed 422s: request logging on, or custom models with the instance's verbose-logs header. */
export function detailed(c: Context<AppEnv>, config: Config): boolean {
  return config.logging.enableRequestLogging || (config.customModels.enabled && c.req.header('x-gitlab-enabled-instance-verbose-ai-logs') === 'true')
}
