/**
 * Probes, without auth. `healthz` (liveness) answers at once and never touches the network.
 * `ready` answers 200 when requests can be authenticated: the GitLab instance's signing keys are
 * loaded (or authentication is bypassed); otherwise 503 with the reasons.
 */
import type { Keyring } from '../auth/keyring.ts'
import type { Config } from '../config.ts'
import { backgroundTasks } from '../http/background-tasks.ts'
import type { Route } from './route.ts'
import { MONITORING } from './specs/monitoring.ts'

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

export function monitoringRoutes(deps: { config: Config; keyring: Keyring }): Route[] {
  const { config, keyring } = deps
  const authBypassed = config.auth.bypassExternal || config.auth.bypassJwtSignature
  return [
    { ...MONITORING.healthz, handler: (c) => c.json({ status: 'ok' }) },
    {
      ...MONITORING.ready,
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
