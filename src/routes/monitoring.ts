/**
 * Probes, without auth. `healthz` (liveness) answers at once and never touches the network.
 * `ready` answers 200 when requests can be authenticated: the GitLab instance's signing keys are
 * loaded (or authentication is bypassed); otherwise 503 with the reasons.
 */
import * as z from 'zod/mini'
import type { Keyring } from '../auth/keyring.ts'
import type { Config } from '../config.ts'
import { backgroundTasks } from '../http/background-tasks.ts'
import type { Route } from './route.ts'

/**
 * Why readiness waits for GitLab's keys, and where to look: a pod that is never ready (helm --wait
 * timing out) is most often a cluster that cannot reach GitLab yet.
 */
export const NOT_READY_HINT =
  "Not ready until the GitLab instance's signing keys are loaded: without them every request from GitLab would be refused (401). " +
  "Check that AIGW_GITLAB_URL is your GitLab's root URL and that the gateway can reach it (DNS, firewall or proxy, TLS; on Node, " +
  'SSL_CERT_FILE for a private CA). On Node, `npm run doctor` (in the container: node dist/node/doctor.mjs) checks each step.'

/** How long /monitoring/ready waits for keys still loading (probes time out after about 1 s). */
export const READY_WAIT_MS = 900

const healthSchema = z.object({ status: z.literal('ok') })
const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  reasons: z.optional(z.array(z.string())),
  hint: z.optional(z.string()),
  auth: z.optional(z.unknown()),
})

export function monitoringRoutes(deps: { config: Config; keyring: Keyring }): Route[] {
  const { config, keyring } = deps
  const authBypassed = config.auth.bypassExternal || config.auth.bypassJwtSignature
  return [
    {
      method: 'GET',
      path: '/monitoring/healthz',
      public: true,
      handler: (c) => c.json({ status: 'ok' }),
      doc: {
        summary: 'Liveness probe',
        description: 'Answers as soon as the server accepts connections; never touches the network.',
        tags: ['monitoring'],
        responses: { 200: { description: 'The process is alive', schema: healthSchema } },
      },
    },
    {
      method: 'GET',
      path: '/monitoring/ready',
      public: true,
      handler: async (c) => {
        if (authBypassed) return c.json({ status: 'ready', auth: 'bypassed' })
        await withinMs(keyring.warmUp(backgroundTasks(c)), READY_WAIT_MS)
        const status = keyring.status()
        const reasons = status.sources
          .filter((s) => s.source === 'gitlab' && s.keys === 0)
          .map(
            (s) =>
              `no signing keys from the GitLab instance at ${s.url} (AIGW_GITLAB_URL): ${s.last_error ?? 'not loaded yet, still loading'}`,
          )
        const why = reasons.length ? { reasons, hint: NOT_READY_HINT } : {}
        const body = { status: reasons.length ? 'not_ready' : 'ready', ...why, auth: status }
        return c.json(body, reasons.length ? 503 : 200)
      },
      doc: {
        summary: 'Readiness probe',
        description:
          'Ready when the GitLab instance signing keys are loaded (or authentication is bypassed).',
        tags: ['monitoring'],
        responses: {
          200: { description: 'Ready to authenticate requests', schema: readySchema },
          503: { description: 'Not ready; `reasons` says why', schema: readySchema },
        },
      },
    },
  ]
}

async function withinMs(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  await Promise.race([work, timeout])
  if (timer !== undefined) clearTimeout(timer)
}
