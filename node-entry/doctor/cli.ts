/**
 * `npm run doctor` (bundled as dist/node/doctor.mjs, so `node dist/node/doctor.mjs` runs it in
 * the container image): the failures GitLab's install and troubleshooting guides describe,
 * checked from the gateway's side with the gateway's own settings, CA store and HTTP client.
 * Exit 0 when nothing failed (warnings allowed), 1 otherwise; `--json` for scripts.
 */
import { parseDoctorArgs, USAGE, UsageError } from './args.ts'
import { runChecks } from './checks.ts'
import { exitCode, formatHuman, formatJson } from './report.ts'
import { loadSettings } from './settings.ts'
import { isSupportedNode } from '../node-version.ts'
import type { OutboundOptions } from '../outbound-fetch.ts'
import { VERSION } from '../version.ts'

async function main(): Promise<number> {
  const settings = loadSettings()
  let options
  try {
    options = parseDoctorArgs(process.argv.slice(2), settings.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`aigw-edge doctor: ${error.message}\n\n${USAGE}`)
    return 1
  }
  if (options.help) {
    process.stdout.write(USAGE)
    return 0
  }
  // The gateway's outbound client, with its client certificate for model servers (not the issuers).
  const { gitlabUrl, customerPortalUrl } = settings.config
  const issuerOrigins = [gitlabUrl, customerPortalUrl].flatMap((url) => (url ? [new URL(url).origin] : []))
  const outbound = await outboundFetch(
    settings.modelClientTls && { connect: settings.modelClientTls, exceptOrigins: issuerOrigins },
  )
  try {
    const results = await runChecks(settings, outbound.fetch, options.model, options.agentPlatform)
    let text = options.json
      ? formatJson(results)
      : `aigw-edge ${VERSION} doctor: the gateway's setup, checked from its side\n\n${formatHuman(results)}`
    // Belt and braces: an upstream error body might echo the key it was sent.
    if (options.model?.apiKey) text = text.split(options.model.apiKey).join('[api key]')
    process.stdout.write(text)
    return exitCode(results)
  } finally {
    await outbound.close()
  }
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(
    `aigw-edge doctor: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
  )
  return 1
})

/**
 * The gateway's own outbound client, loaded only on a Node that can load it (undici 8 cannot be
 * loaded by an older one); there the doctor still runs its checks with the runtime's fetch and
 * reports the Node version as the failure to fix first.
 */
async function outboundFetch(clientTls: OutboundOptions['clientTls']) {
  if (!isSupportedNode(process.versions.node)) return { fetch: globalThis.fetch, close: async () => {} }
  const { createOutboundFetch } = await import('../outbound-fetch.ts')
  return createOutboundFetch(clientTls ? { clientTls } : {})
}
