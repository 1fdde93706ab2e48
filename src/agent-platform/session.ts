/**
 * One `ExecuteWorkflow` stream: one turn of an Agentic Chat (spec §5). The start request, the
 * caller's token and scope, the workflow from Rails and its status event, the saved conversation
 * and this turn's input, the agent, and the end: OK after an answer, a question or a stop;
 * UNAVAILABLE when interrupted by a shutdown; a failure shown in the chat (and saved with it)
 * before the stream ends with its status. Nothing here knows gRPC: the call is the port of
 * service.ts, so another transport can run the same turn.
 */
import type { AuthContext } from '../auth/auth-context.ts'
import type { Config } from '../config.ts'
import type { Logger } from '../logging.ts'
import type { Models } from '../models/models.ts'
import type { SelfHostedModel } from '../models/metadata.ts'
import type { AgentPlatformAuth } from './auth.ts'
import { bootstrap, UnsupportedStatusEvent, type Workflow } from './bootstrap.ts'
import { ActionChannel, TurnStopped, type StopReason } from './channel.ts'
import { readCheckpoint } from './checkpoint.ts'
import type { CheckpointIds } from './checkpoint-ids.ts'
import { runChatAgent } from './chat-agent.ts'
import type { StartWorkflowRequest } from './contract.ts'
import { describeFailure, TurnFailed } from './failures.ts'
import { versionAtLeast } from './gitlab-version.ts'
import { Journal, type ThreadPosition } from './journal.ts'
import type { AgentPlatformMetrics, SessionLabels } from './metrics.ts'
import { Rails } from './rails.ts'
import { GrpcStatus, Status, type Metadata, type WorkflowCall } from './service.ts'
import { sessionLabels, sessionLogger, workflowDefinition } from './session-context.ts'
import { sessionModel } from './session-model.ts'
import { sessionTools, toolContext, type DocsSearch } from './session-tools.ts'
import type { ChatState } from './state.ts'
import { ChatStream } from './streamed-checkpoint.ts'
import { turnStart } from './turn-input.ts'
import { agentFailureEntry } from './ui-log.ts'

export interface SessionDeps {
  auth: AgentPlatformAuth
  models: Models
  config: Config
  logger: Logger
  now: () => number
  ids: CheckpointIds
  searchDocs?: DocsSearch | undefined
  metrics?: AgentPlatformMetrics | undefined
  /** How long the wrap-up of a stopped or failed turn waits for each answer (PATCH, checkpoint). */
  wrapUpTimeoutMs?: number | undefined
}

/** Workhorse waits 10 s after its stopWorkflow; the wrap-up's actions must fit in that. */
const WRAP_UP_TIMEOUT_MS = 4_000
/** GitLab's service does not bound the billing round trip; an unanswered one fails the turn rather than calling the model unbilled. */
const BILLING_TIMEOUT_MS = 60_000

/** Runs one turn; resolves with the OK end's details, throws a GrpcStatus for any other end. */
export async function executeWorkflow(
  call: WorkflowCall,
  deps: SessionDeps,
  live: Set<ActionChannel>,
): Promise<string> {
  const started = performance.now()
  const first = await call.next()
  const start = first?.startRequest
  if (!start)
    throw new GrpcStatus(
      Status.INVALID_ARGUMENT,
      'The first message of ExecuteWorkflow must be a startRequest',
    )
  const metadata = call.metadata
  const definition = workflowDefinition(start.workflowDefinition)
  const log = sessionLogger(deps.logger, metadata, start.workflowID, definition)
  const labels = sessionLabels(metadata, definition)
  deps.metrics?.receivedStart(labels)

  let auth: AuthContext
  try {
    auth = await deps.auth.caller(metadata, { workflow_id: start.workflowID })
    deps.auth.mayExecute(auth, definition)
  } catch (error) {
    deps.metrics?.sessionEnded(labels, 'reject', error instanceof GrpcStatus ? String(error.code) : 'error')
    throw error
  }
  log.info('Starting workflow', {
    client_version: start.clientVersion,
    client_capabilities: start.clientCapabilities,
    goal_chars: start.goal.length,
  })

  const channel = new ActionChannel(
    call,
    log,
    deps.metrics ? (kind, seconds) => deps.metrics!.action(kind, seconds) : undefined,
  )
  live.add(channel)
  channel.listen()
  const turn = new Turn(start, definition, channel, deps, log, labels, started)
  try {
    return await turn.run()
  } finally {
    live.delete(channel)
    deps.metrics?.turnSeconds(definition, (performance.now() - started) / 1000)
  }
}

class Turn {
  private readonly start: StartWorkflowRequest
  private readonly definition: string
  private readonly channel: ActionChannel
  private readonly rails: Rails
  private readonly deps: SessionDeps
  private readonly log: Logger
  private readonly labels: SessionLabels
  private readonly started: number
  private readonly metadata: Metadata
  private readonly stream: ChatStream
  private journal: Journal | undefined
  private workflow: Workflow | undefined

  constructor(
    start: StartWorkflowRequest,
    definition: string,
    channel: ActionChannel,
    deps: SessionDeps,
    log: Logger,
    labels: SessionLabels,
    started: number,
  ) {
    this.start = start
    this.definition = definition
    this.channel = channel
    this.rails = new Rails(channel)
    this.deps = deps
    this.log = log
    this.labels = labels
    this.started = started
    this.metadata = channel.metadata
    this.stream = new ChatStream({ goal: start.goal, incremental: this.incremental() })
  }

  async run(): Promise<string> {
    try {
      await this.converse()
      // GitLab's service reads the workflow once more at the end (its billing and telemetry); nothing depends on the answer.
      await this.rails.readWorkflow(this.start.workflowID, { timeoutMs: this.wrapUpMs() }).catch(() => {})
      await this.channel.flush()
      this.deps.metrics?.sessionEnded(this.labels, 'success')
      return 'workflow execution success'
    } catch (error) {
      const stop = this.channel.stopped ?? (error instanceof TurnStopped ? error.stop : undefined)
      if (stop) return this.stopped(stop)
      return this.failed(error)
    }
  }

  private async converse(): Promise<void> {
    const { start, deps } = this
    if (this.definition !== 'chat' || start.flowConfig) {
      throw new TurnFailed(
        start.flowConfig
          ? 'Custom agents and flows from the AI Catalog are not supported by this GitLab Duo Agent Platform service yet; use the default Agentic Chat.'
          : `The agent or flow '${this.definition || 'software_development'}' is not supported by this GitLab Duo Agent Platform service yet; use the default Agentic Chat.`,
        Status.INVALID_ARGUMENT,
      )
    }
    // Read before anything goes to Rails; a missing model fails the turn after the user's message is saved.
    let model: SelfHostedModel | undefined
    let modelError: unknown
    try {
      model = sessionModel(this.metadata)
    } catch (error) {
      modelError = error
    }

    const workflow = await bootstrap(this.rails, start.workflowID, this.metadata['x-gitlab-version'])
    this.workflow = workflow
    deps.metrics?.sessionStarted(this.labels, workflow.event)
    const { state, position } = await this.savedState(workflow)
    const input = turnStart({
      start,
      event: workflow.event,
      saved: state,
      project: workflow.project,
      namespace: workflow.namespace,
    })
    const journal = new Journal(input.state, position, workflow.event, {
      rails: this.rails,
      channel: this.channel,
      workflowId: start.workflowID,
      stream: this.stream,
      ids: deps.ids,
      compress: this.flags().has('duo_workflow_compress_checkpoint'),
      log: this.log,
    })
    this.journal = journal
    // The turn's input is saved and shown before the model is called (GitLab's input checkpoint).
    await journal.commit(input.state.status)
    if (!model) throw modelError

    const capabilities = this.capabilities()
    const tools = sessionTools({
      node: workflow.node,
      start,
      capabilities,
      metadata: this.metadata,
    })
    await runChatAgent(input.first, {
      journal,
      models: deps.models,
      model,
      tools,
      toolContext: toolContext({
        rails: this.rails,
        channel: this.channel,
        workflow,
        capabilities,
        searchDocs: deps.searchDocs,
      }),
      approvals: {
        privileges: workflow.node.agentPrivilegesNames,
        preApprovedPrivileges: workflow.node.preApprovedAgentPrivilegesNames,
        preapprovedTools: start.preapproved_tools,
        toolCallApprovals: workflow.node.toolCallApprovals,
      },
      prompt: {
        project: journal.state.project,
        namespace: journal.state.namespace,
        gitlabUrl: workflow.gitlabUrl,
        gitlabVersion: this.metadata['x-gitlab-version'],
        promptCacheEnabled:
          this.metadata['x-gitlab-model-prompt-cache-enabled'] === 'false' ? false : undefined,
      },
      now: deps.now,
      beforeModelCall: this.billing(),
      signal: this.channel.turn,
      log: this.log,
      onToolCall: deps.metrics
        ? (tool, seconds, failed) => deps.metrics!.toolCall(this.labels, tool, seconds, failed)
        : undefined,
      onFirstOutput: deps.metrics
        ? () => deps.metrics!.firstResponse(this.labels, (performance.now() - this.started) / 1000)
        : undefined,
    })
  }

  /** The conversation so far: none for a new thread; an unreadable one fails the turn rather than starting over (which would hide it). */
  private async savedState(
    workflow: Workflow,
  ): Promise<{ state: ChatState | null; position: ThreadPosition }> {
    const saved = workflow.node.checkpoint
    if (!saved) return { state: null, position: { latestTs: null, step: null } }
    const read = await readCheckpoint(saved)
    if (!read.ok) {
      this.log.warning('The saved conversation cannot be read', {
        thread_ts: saved.threadTs,
        error: read.error,
      })
      throw new TurnFailed(
        `This conversation's saved state cannot be read (${read.error}). Please start a new chat.`,
      )
    }
    if (read.checkpoint.warnings.length)
      this.log.info('Saved conversation read with defaults', { warnings: read.checkpoint.warnings })
    return {
      state: workflow.event === 'start' ? null : read.checkpoint.state,
      position: { latestTs: read.checkpoint.threadTs ?? saved.threadTs, step: read.checkpoint.step },
    }
  }

  /** GitLab's rule (spec §10): bill each model call only when Rails asks for it and the service runs self-hosted models. */
  private billing(): (() => Promise<void>) | undefined {
    const header = this.metadata['x-gitlab-self-hosted-dap-billing-enabled']?.trim().toLowerCase()
    if (!this.deps.config.customModels.enabled || (header !== 'true' && header !== '1')) return undefined
    const track = {
      workflowID: this.start.workflowID,
      featureQualifiedName: 'chat',
      featureAiCatalogItem: false,
    }
    return async () => {
      const response = await this.channel.request(
        { trackLlmCallForSelfHosted: track },
        { timeoutMs: BILLING_TIMEOUT_MS },
      )
      const error = response.plainTextResponse?.error
      if (error)
        throw new TurnFailed(
          `GitLab could not record the model call for billing, so it was not made: ${error.slice(0, 300)}`,
        )
    }
  }

  /** A stop (stopWorkflow, our shutdown) is wrapped up: Rails told `stop`, the state saved, the client shown STOPPED. */
  private async stopped(stop: StopReason): Promise<string> {
    if (stop.kind === 'closed')
      throw new GrpcStatus(Status.CANCELLED, 'Client-side streaming has been closed')
    if (stop.kind === 'cancelled') throw new GrpcStatus(Status.CANCELLED, 'RPC cancelled by client')
    this.log.info('Workflow stopped', { reason: stop.kind === 'stop' ? stop.reason : 'server shutdown' })
    const request = { wrapUp: true, timeoutMs: this.wrapUpMs() }
    let event = this.journal?.lastEvent ?? this.workflow?.event ?? 'none'
    try {
      if (this.journal) {
        await this.journal.setStatus('Cancelled', request)
        event = this.journal.lastEvent
        await this.journal.save(request)
        this.journal.showStopped()
      } else if (this.workflow) {
        const { status } = await this.rails.statusEvent(this.start.workflowID, 'stop', request)
        if (status === 200) event = 'stop'
      }
    } catch (error) {
      this.log.warning('The stopped workflow could not be wrapped up', {
        error_type: error instanceof Error ? error.name : typeof error,
      })
    }
    await this.channel.flush()
    this.deps.metrics?.sessionEnded(this.labels, 'abort')
    if (stop.kind === 'shutdown' || stop.reason === 'WORKHORSE_SERVER_SHUTDOWN') {
      throw new GrpcStatus(Status.UNAVAILABLE, `workflow execution interrupted: ${event}`)
    }
    return `workflow execution stopped: ${event}`
  }

  /** A failure is shown in the chat (and saved with it, when the conversation was loaded); Rails is told `drop`. */
  private async failed(error: unknown): Promise<never> {
    const failure = describeFailure(error)
    const fields = {
      error_type: failure.errorType,
      ...(failure.unexpected ? {} : { error: failure.userMessage }),
    }
    if (failure.unexpected)
      this.log.error('Workflow failed unexpectedly', {
        ...fields,
        error_message: error instanceof Error ? error.message : String(error),
      })
    else this.log.warning('Workflow failed', fields)
    const request = { timeoutMs: this.wrapUpMs() }
    const entry = agentFailureEntry(failure.userMessage)
    try {
      if (this.journal) {
        this.journal.state.uiLog.push(entry)
        await this.journal.commit('Error', request)
      } else {
        this.stream.saved([entry], 'Error')
        this.channel.checkpoint(() => this.stream.compose())
        // A status event Rails refused is not followed by another (GitLab's rule).
        if (!(error instanceof UnsupportedStatusEvent))
          await this.rails.statusEvent(this.start.workflowID, 'drop', request)
      }
    } catch (wrapUpError) {
      this.log.warning('The failed workflow could not be wrapped up', {
        error_type: wrapUpError instanceof Error ? wrapUpError.name : typeof wrapUpError,
      })
      if (this.journal) this.journal.show()
    }
    await this.channel.flush()
    this.deps.metrics?.sessionEnded(this.labels, 'failure', failure.errorType)
    throw failure.status
  }

  /** `incremental_streaming` is honoured from GitLab 18.7 on (spec §5.4). */
  private incremental(): boolean {
    return this.capabilities().has('incremental_streaming')
  }

  private capabilities(): ReadonlySet<string> {
    return versionAtLeast(this.metadata['x-gitlab-version'], 18, 7)
      ? new Set(this.start.clientCapabilities)
      : new Set()
  }

  private flags(): ReadonlySet<string> {
    return new Set(
      (this.metadata['x-gitlab-enabled-feature-flags'] ?? '')
        .split(',')
        .map((flag) => flag.trim())
        .filter(Boolean),
    )
  }

  private wrapUpMs(): number {
    return this.deps.wrapUpTimeoutMs ?? WRAP_UP_TIMEOUT_MS
  }
}
