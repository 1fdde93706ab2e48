/**
 * The Agent Platform (Duo Workflow Service) messages as plain objects, so the engine is written
 * without the gRPC library: `node-entry/agent-platform/contract.proto` is the wire form of the
 * same thing and the transport maps one to the other (spec: duo-workflow-contract.md §2.2).
 *
 * Member names are the proto field names exactly, however they are cased (`workflowID`,
 * `additional_context`). A `oneof` is a set of optional members of which at most one is present.
 * proto3 `optional` fields are optional members (present = sent, even when empty); the other
 * scalars, lists and maps are always there on decoded messages, with the proto default when the
 * client did not send them, and may be left out when building a message to send (they then go
 * out as their default, which on the wire is nothing at all). int64 values are numbers (all of
 * them are milliseconds, seconds or line counts: far below 2^53). Fields marked post-18.9 are
 * only sent by a newer GitLab.
 */

/** google.protobuf.Struct as the JSON object it stands for. */
export type JsonObject = Record<string, unknown>

// ---- client → server

export interface ClientEvent {
  startRequest?: StartWorkflowRequest
  actionResponse?: ActionResponse
  heartbeat?: HeartbeatRequest
  stopWorkflow?: StopWorkflowRequest
}

export interface StartWorkflowRequest {
  clientVersion: string
  /** The Rails workflow id as a decimal string. */
  workflowID: string
  workflowDefinition: string
  /** The user's message for this turn; '' on approval and reconnect. */
  goal: string
  /** JSON text. */
  workflowMetadata: string
  clientCapabilities: string[]
  mcpTools: McpTool[]
  additional_context: AdditionalContext[]
  /** Present on every 18.9 turn: `{}` (no decision) on a normal turn. */
  approval?: Approval
  flowConfig?: JsonObject
  flowConfigSchemaVersion?: string
  preapproved_tools: string[]
  /** post-18.9 */
  flowConfigId?: string
  /** post-18.9 */
  flowVersion?: string
  /** post-18.9 */
  streaming?: boolean
  /** post-18.9 */
  resume_checkpoint_ts?: string
}

export interface ActionResponse {
  requestID: string
  /** Legacy plain response (field 2, outside the oneof), sent by GitLab < 18.5 executors. */
  response?: string
  plainTextResponse?: PlainTextResponse
  httpResponse?: HttpResponse
  /** post-18.9 */
  scheduleNotificationResponse?: ScheduleNotificationResponse
}

export interface HeartbeatRequest {
  /** Unix epoch milliseconds. */
  timestamp: number
}

export interface StopWorkflowRequest {
  reason: string
}

export interface PlainTextResponse {
  response: string
  error: string
}

export interface HttpResponse {
  headers: Record<string, string>
  statusCode: number
  body: string
  error: string
}

export interface ScheduleNotificationResponse {
  accepted: boolean
  reason: string
  /** RFC 3339. */
  fires_at: string
}

export interface McpTool {
  name: string
  description: string
  /** JSON Schema text. */
  inputSchema: string
  /** post-18.9 */
  icons?: Icons
  /** post-18.9 */
  annotations?: ToolAnnotations
  /** post-18.9 */
  trusted?: boolean
}

export interface Icons {
  items: Icon[]
}

export interface Icon {
  url: string
  mime_type?: string
  sizes: string[]
  theme?: string
}

export interface ToolAnnotations {
  title?: string
  read_only_hint?: boolean
  destructive_hint?: boolean
  idempotent_hint?: boolean
  open_world_hint?: boolean
}

export interface AdditionalContext {
  category: string
  id?: string
  content?: string
  /** JSON object text. */
  metadata?: string
}

/** oneof `user_decision`: neither member present = a turn without a decision. */
export interface Approval {
  approval?: ApprovalApproved
  rejection?: ApprovalRejected
}

export interface ApprovalApproved {
  remember_approval?: boolean
  tool_name?: string
  tool_args_json?: string
  /** post-18.9; a number when a newer client sends a value this contract does not name. */
  approval_source?: ApprovalSource | number
  /** post-18.9 */
  policy_ref?: ApprovalPolicyRef
}

export type ApprovalSource =
  | 'APPROVAL_SOURCE_UNSPECIFIED'
  | 'APPROVAL_SOURCE_USER_EXPLICIT'
  | 'APPROVAL_SOURCE_PRETOOLUSE_HOOK'
  | 'APPROVAL_SOURCE_AUTO_MODE'
  | 'APPROVAL_SOURCE_PREAPPROVED_CONFIG'

export interface ApprovalPolicyRef {
  origin?: string
  file?: string
  hash?: string
  version?: string
}

export interface ApprovalRejected {
  message?: string
}

// ---- server → client

/** Every action but `newCheckpoint` waits for an ActionResponse with the same requestID. */
export interface Action {
  requestID: string
  runCommand?: RunCommandAction
  runHTTPRequest?: RunHTTPRequest
  runReadFile?: ReadFile
  runWriteFile?: WriteFile
  runGitCommand?: RunGitCommand
  runEditFile?: EditFile
  newCheckpoint?: NewCheckpoint
  listDirectory?: ListDirectory
  grep?: Grep
  findFiles?: FindFiles
  runMCPTool?: RunMCPTool
  mkdir?: Mkdir
  runReadFiles?: ReadFiles
  runShellCommand?: RunShellCommand
  trackLlmCallForSelfHosted?: TrackLlmCallForSelfHosted
  /** post-18.9 */
  scheduleNotification?: ScheduleNotification
}

/** The members of Action's oneof `action`. */
export const ACTION_KINDS = [
  'runCommand',
  'runHTTPRequest',
  'runReadFile',
  'runWriteFile',
  'runGitCommand',
  'runEditFile',
  'newCheckpoint',
  'listDirectory',
  'grep',
  'findFiles',
  'runMCPTool',
  'mkdir',
  'runReadFiles',
  'runShellCommand',
  'trackLlmCallForSelfHosted',
  'scheduleNotification',
] as const satisfies readonly (keyof Action)[]
export type ActionKind = (typeof ACTION_KINDS)[number]

export interface TrackLlmCallForSelfHosted {
  workflowID: string
  featureQualifiedName: string
  featureAiCatalogItem: boolean
}

export interface RunShellCommand {
  command: string
  /** post-18.9, milliseconds */
  timeout?: number
}

export interface RunCommandAction {
  program: string
  arguments: string[]
  flags: string[]
  /** post-18.9, milliseconds */
  timeout?: number
}

export interface ReadFile {
  filepath: string
  limit?: number
  /** 1-based line. */
  offset?: number
}

export interface ReadFiles {
  filepaths: string[]
}

export interface WriteFile {
  filepath: string
  contents: string
}

export interface EditFile {
  filepath: string
  oldString: string
  newString: string
}

export interface RunHTTPRequest {
  method: string
  /** Absolute path on the GitLab instance, query string included. */
  path: string
  /** JSON text. */
  body?: string
}

export interface RunGitCommand {
  command: string
  arguments?: string
  repository_url: string
}

export interface NewCheckpoint {
  status: string
  /** JSON text. */
  checkpoint: string
  goal: string
  errors: string[]
  /** post-18.9 */
  agent_context_usage: Record<string, TokenBreakdown>
}

export interface TokenBreakdown {
  total_tokens: number
  max_tokens: number
}

export interface ListDirectory {
  directory: string
}

export interface Grep {
  search_directory: string
  pattern: string
  case_insensitive: boolean
}

export interface FindFiles {
  name_pattern: string
}

export interface RunMCPTool {
  /** The MCP tool's original (un-sanitised) name. */
  name: string
  /** JSON object text. */
  args: string
}

export interface Mkdir {
  directory_path: string
}

export interface ScheduleNotification {
  task_id: string
  condition: string
  message: string
}

// ---- unary RPCs

export interface GenerateTokenRequest {
  workflowDefinition?: string
}

export interface GenerateTokenResponse {
  token: string
  /** Unix seconds. */
  expiresAt: number
  /** post-18.9 */
  server_capabilities: string[]
}

export type ListToolsRequest = Record<string, never>

export interface ListToolsResponse {
  tools: JsonObject[]
  eval_dataset: JsonObject[]
}

export interface ListFlowsRequest {
  filters?: ListFlowsRequestFilter
}

export interface ListFlowsRequestFilter {
  flow_identifier: string[]
  environment: string[]
  version: string[]
}

export interface ListFlowsResponse {
  configs: JsonObject[]
}

/**
 * A message being built to send, where any member may be left out: proto3 has no "required", and
 * a left-out member goes out as its default (for an always-present member: '', 0, false, [], {}).
 */
export type Outgoing<T> = T extends readonly (infer E)[]
  ? Outgoing<E>[]
  : T extends object
    ? { [K in keyof T]?: Outgoing<T[K]> }
    : T
