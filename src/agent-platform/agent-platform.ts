/**
 * The Agent Platform service as a transport runs it (AgentPlatformHandlers): Agentic Chat turns,
 * the tool list GitLab's admin health check reads, the flow list (none yet) and token minting.
 * Built beside the gateway from the same configuration: the same model layer, documentation
 * index and key sources (one fetch and cache per issuer when the URLs agree), its own audience,
 * self-signed keys and verified-token cache.
 */
import { AgentPlatformAuth } from './auth.ts'
import { Keyring } from '../auth/keyring.ts'
import { RemoteKeySource, type SourceName } from '../auth/remote-key-source.ts'
import { loadSelfSignedKeys } from '../auth/self-signed-keys.ts'
import { VerifiedTokenCache } from '../auth/token-cache.ts'
import type { BackgroundTasks, Platform } from '../platform.ts'
import type { Gateway } from '../gateway.ts'
import type { ActionChannel } from './channel.ts'
import { checkpointIds } from './checkpoint-ids.ts'
import type { GenerateTokenRequest, ListFlowsResponse, ListToolsResponse, Outgoing } from './contract.ts'
import type { AgentPlatformMetrics } from './metrics.ts'
import type { AgentPlatformHandlers, Metadata, WorkflowCall } from './service.ts'
import { executeWorkflow, type SessionDeps } from './session.ts'
import { docsSearchOf } from './session-tools.ts'
import type { AgentPlatformSettings } from './settings.ts'
import { listToolSpecs } from './tools/registry.ts'

export class AgentPlatform implements AgentPlatformHandlers {
  readonly keyring: Keyring
  private readonly deps: SessionDeps
  private readonly live = new Set<ActionChannel>()

  constructor(deps: SessionDeps, keyring: Keyring) {
    this.deps = deps
    this.keyring = keyring
  }

  executeWorkflow(call: WorkflowCall): Promise<string> {
    return executeWorkflow(call, this.deps, this.live)
  }

  async generateToken(request: GenerateTokenRequest, metadata: Metadata) {
    const auth = await this.deps.auth.caller(metadata)
    return this.deps.auth.mint(auth, metadata, request.workflowDefinition)
  }

  async listTools(_request: unknown, metadata: Metadata): Promise<Outgoing<ListToolsResponse>> {
    await this.deps.auth.caller(metadata)
    // Plain JSON objects: each goes out as a google.protobuf.Struct.
    return { tools: listToolSpecs().map((spec) => ({ ...spec })), eval_dataset: [] }
  }

  async listFlows(_request: unknown, metadata: Metadata): Promise<Outgoing<ListFlowsResponse>> {
    await this.deps.auth.caller(metadata)
    return { configs: [] }
  }

  /** Open turns stop: each saves its state, tells Rails `stop` and ends UNAVAILABLE. */
  shutdown(): void {
    for (const channel of this.live) channel.halt({ kind: 'shutdown' })
  }

  /** Turns in progress (readiness and tests). */
  get activeSessions(): number {
    return this.live.size
  }

  /** Loads the issuers' keys ahead of the first call; never throws. */
  warmUp(tasks: BackgroundTasks): Promise<void> {
    return this.keyring.warmUp(tasks)
  }
}

export interface AgentPlatformOptions {
  gateway: Gateway
  settings: AgentPlatformSettings
  platform: Pick<Platform, 'fetch' | 'keyStore' | 'sha256Hex' | 'metrics'>
  tasks: BackgroundTasks
  metrics?: AgentPlatformMetrics | undefined
}

/** @throws ConfigError when a DUO_WORKFLOW_SELF_SIGNED_JWT__* key cannot be imported. */
export async function createAgentPlatform({
  gateway,
  settings,
  platform,
  tasks,
  metrics,
}: AgentPlatformOptions): Promise<AgentPlatform> {
  const { config, now } = gateway
  const logger = gateway.logger.child('duo_workflow')
  const selfSigned = await loadSelfSignedKeys(settings.selfSignedJwt, settings.serviceName, 'DUO_WORKFLOW')
  const keyring = new Keyring(selfSigned.verificationKeys, keySources(gateway, settings, platform))
  const auth = new AgentPlatformAuth({
    settings,
    config,
    keyring,
    tokenCache:
      config.auth.tokenCacheSize > 0
        ? new VerifiedTokenCache(config.auth.tokenCacheSize, now, platform.sha256Hex, platform.metrics)
        : undefined,
    signingKey: selfSigned.signingKey,
    now,
    tasks,
  })
  logger.info('Agent Platform service configured', {
    gitlab_url: settings.gitlabUrl,
    customer_portal_url: settings.customerPortalUrl,
    service_name: settings.serviceName,
    self_signed_keys: selfSigned.verificationKeys.length,
    auth_enabled: settings.authEnabled,
  })
  if (!settings.authEnabled)
    logger.warning('DUO_WORKFLOW_AUTH__ENABLED is false: every Agent Platform call is let in without a token')
  return new AgentPlatform(
    {
      auth,
      models: gateway.models,
      config,
      logger,
      now,
      ids: checkpointIds,
      searchDocs: docsSearchOf(gateway.docsSearch),
      metrics,
    },
    keyring,
  )
}

/** The service's issuers; a source the gateway already has for the same URL is shared (one fetch, one cache). */
function keySources(
  gateway: Gateway,
  settings: AgentPlatformSettings,
  platform: AgentPlatformOptions['platform'],
): RemoteKeySource[] {
  const wanted: [SourceName, string | null][] = [
    ['gitlab', settings.gitlabUrl],
    ['customers_dot', settings.customerPortalUrl],
  ]
  const sources: RemoteKeySource[] = []
  for (const [name, baseUrl] of wanted) {
    if (!baseUrl || sources.some((source) => source.baseUrl === baseUrl)) continue
    const shared = gateway.keyring.remotes.find((source) => source.baseUrl === baseUrl)
    sources.push(
      shared ??
        new RemoteKeySource({
          name,
          baseUrl,
          fetch: platform.fetch,
          store: platform.keyStore,
          now: gateway.now,
          logger: gateway.logger.child('auth.jwks'),
          metrics: platform.metrics,
        }),
    )
  }
  return sources
}
