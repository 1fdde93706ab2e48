/**
 * Who calls the Agent Platform service, and what they may do (spec §3): the HTTP gateway's
 * authentication (same key sources and caches, same checks and messages) with the service's own
 * audience and self-signed keys, the scope rules per RPC, and the tokens `GenerateToken` mints.
 * Failures are gRPC statuses: UNAUTHENTICATED with GitLab's message, PERMISSION_DENIED with its wording.
 */
import type { AuthContext } from '../auth/auth-context.ts'
import { authenticate, bypassedAuthContext } from '../auth/authenticate.ts'
import type { Keyring } from '../auth/keyring.ts'
import { can } from '../auth/scopes.ts'
import type { VerifiedTokenCache } from '../auth/token-cache.ts'
import { mintUserToken, USER_TOKEN_LIFETIME_S } from '../auth/user-token.ts'
import type { Config } from '../config.ts'
import { AuthenticationError } from '../errors.ts'
import type { BackgroundTasks } from '../platform.ts'
import { KNOWN_UNIT_PRIMITIVES } from '../proxy/unit-primitives.ts'
import type { GenerateTokenResponse, Outgoing } from './contract.ts'
import { GrpcStatus, Status, type Metadata } from './service.ts'
import type { AgentPlatformSettings } from './settings.ts'

/** The unit primitives this service serves: a minted token carries the caller's that are among them. */
const SERVED_PRIMITIVES: ReadonlySet<string> = new Set([
  'duo_agent_platform',
  'duo_workflow_execute_workflow',
  'duo_chat',
  ...[...KNOWN_UNIT_PRIMITIVES].filter((name) => /^include_\w+_context$/.test(name)),
])

export interface AgentPlatformAuthDeps {
  settings: AgentPlatformSettings
  /** The gateway's configuration: the service's differs only in its audience. */
  config: Config
  /** The service's self-signed keys first, then the issuers' (shared with the gateway when they agree). */
  keyring: Keyring
  tokenCache?: VerifiedTokenCache | undefined
  /** GenerateToken's signing key, when DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY is set. */
  signingKey: CryptoKey | null
  now: () => number
  tasks: BackgroundTasks
}

export class AgentPlatformAuth {
  private readonly deps: AgentPlatformAuthDeps
  private readonly config: Config

  constructor(deps: AgentPlatformAuthDeps) {
    this.deps = deps
    this.config = { ...deps.config, serviceName: deps.settings.serviceName }
  }

  /**
   * The caller of one RPC, from its metadata (GitLab's checks and messages).
   * @throws GrpcStatus UNAUTHENTICATED
   */
  async caller(metadata: Metadata, logContext: Record<string, unknown> = {}): Promise<AuthContext> {
    const headers = new Headers()
    for (const [name, value] of Object.entries(metadata)) headers.set(name, value)
    if (!this.deps.settings.authEnabled) return bypassedAuthContext(headers)
    try {
      return await authenticate(
        headers,
        {
          config: this.config,
          keyring: this.deps.keyring,
          now: this.deps.now,
          tokenCache: this.deps.tokenCache,
        },
        this.deps.tasks,
        logContext,
      )
    } catch (error) {
      if (error instanceof AuthenticationError) throw new GrpcStatus(Status.UNAUTHENTICATED, error.message)
      throw error
    }
  }

  /**
   * `ExecuteWorkflow`'s rule (spec §3.3): `duo_chat` for `chat`; `duo_agent_platform` (or the legacy
   * `duo_workflow_execute_workflow`) for any other definition.
   * @throws GrpcStatus PERMISSION_DENIED
   */
  mayExecute(auth: AuthContext, definition: string): void {
    if (definition === 'chat') {
      if (!can(auth, 'duo_chat'))
        throw new GrpcStatus(Status.PERMISSION_DENIED, 'Unauthorized to execute chat')
      return
    }
    if (!can(auth, 'duo_agent_platform') && !can(auth, 'duo_workflow_execute_workflow')) {
      throw new GrpcStatus(Status.PERMISSION_DENIED, `Unauthorized to execute ${definition || 'workflow'}`)
    }
  }

  /**
   * A token for the caller (spec §9.2): RS256, `iss` = `aud` = the service name, `sub` the global
   * user id, the caller's scopes this service serves, one hour. Refused to a token this service
   * minted itself, and to callers without `duo_agent_platform` (or the legacy primitive).
   * @throws GrpcStatus PERMISSION_DENIED, FAILED_PRECONDITION without a signing key
   */
  async mint(
    auth: AuthContext,
    metadata: Metadata,
    definition: string | undefined,
  ): Promise<Outgoing<GenerateTokenResponse>> {
    const notOwn = { disallowedIssuers: [this.deps.settings.serviceName] }
    const allowed =
      definition === 'chat'
        ? can(auth, 'duo_chat', notOwn)
        : can(auth, 'duo_agent_platform', notOwn) || can(auth, 'duo_workflow_execute_workflow', notOwn)
    if (!allowed) throw new GrpcStatus(Status.PERMISSION_DENIED, 'Unauthorized to generate token')
    const { signingKey } = this.deps
    if (!signingKey) {
      throw new GrpcStatus(
        Status.FAILED_PRECONDITION,
        'This service cannot mint tokens: DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY is not set',
      )
    }
    const scopes = auth.bypassed
      ? [...SERVED_PRIMITIVES]
      : auth.scopes.filter((scope) => SERVED_PRIMITIVES.has(scope))
    const minted = await mintUserToken(signingKey, this.deps.settings.serviceName, {
      subject: metadata['x-gitlab-global-user-id'] ?? '',
      realm: metadata['x-gitlab-realm'] || undefined,
      instanceId: metadata['x-gitlab-instance-id'] || undefined,
      scopes,
      // GitLab's service carries the caller's instance uid over (null when it has none).
      extraClaims: { gitlab_instance_uid: auth.claims.gitlab_instance_uid ?? null },
      now: this.deps.now(),
    })
    return { token: minted.token, expiresAt: minted.expires_at }
  }
}

export const TOKEN_LIFETIME_S = USER_TOKEN_LIFETIME_S
