/**
 * A ChatState as a stored checkpoint's `channel_values` (GitLab's `ChatWorkflowState`, spec §7.5)
 * and back. Writing follows GitLab's service key for key; reading takes what GitLab's service or
 * this one wrote and defaults what is missing, so a thread started on either continues here.
 */
import { decodeMessages, encodeMessage, isObject, type MessageEncoding } from './langchain-messages.ts'
import type { ChatState, ChatStatus, NamespaceInfo, ProjectInfo, UiLogEntry } from './state.ts'

type JsonObject = Record<string, unknown>

/** The key of the chat's conversation in `conversation_history`: the prompt's name, literally. */
export const AGENT_NAME = 'Chat Agent'

export function encodeChannelValues(state: ChatState, encoding: MessageEncoding = {}): JsonObject {
  return {
    plan: { steps: [] },
    status: state.status,
    conversation_history: { [AGENT_NAME]: state.history.map((message) => encodeMessage(message, encoding)) },
    ui_chat_log: state.uiLog,
    last_human_input: null,
    goal: state.goal,
    project: state.project,
    namespace: state.namespace,
    approval: state.approval ? { message: state.approval.message, type: 'ApprovalStateRejection' } : null,
    preapproved_tools: state.preapprovedTools,
  }
}

export interface DecodedState {
  state: ChatState
  /** What was skipped or defaulted, for the log (never the content itself). */
  warnings: string[]
}

const STATUSES: ReadonlySet<string> = new Set<ChatStatus>([
  'Not Started',
  'Planning',
  'Execution',
  'input_required',
  'tool_call_approval_required',
  'plan_approval_required',
  'Paused',
  'Completed',
  'Error',
  'Cancelled',
  'approval_error',
])
/** Internal values GitLab's state enum also has (the chat never sets them), by their chat equivalent. */
const STATUS_ALIASES: Record<string, ChatStatus> = {
  created: 'Not Started',
  finished: 'Completed',
  stopped: 'Cancelled',
}

export function decodeChannelValues(values: JsonObject): DecodedState {
  const warnings: string[] = []
  // A fresh thread's input checkpoint holds the whole input in LangGraph's `__start__` channel only.
  const source = !('conversation_history' in values) && isObject(values.__start__) ? values.__start__ : values

  const history = decodeMessages(conversationOf(source.conversation_history, warnings))
  warnings.push(...history.warnings)

  let status: ChatStatus = 'Not Started'
  if (typeof source.status === 'string') {
    if (STATUSES.has(source.status)) status = source.status as ChatStatus
    else if (source.status in STATUS_ALIASES) status = STATUS_ALIASES[source.status] as ChatStatus
    else warnings.push(`unknown status ${JSON.stringify(source.status.slice(0, 40))}: read as Not Started`)
  }

  const approval = isObject(source.approval) ? { message: orNull(source.approval.message) } : null
  const preapproved = Array.isArray(source.preapproved_tools) ? strings(source.preapproved_tools) : null

  return {
    state: {
      status,
      goal: typeof source.goal === 'string' ? source.goal : null,
      history: history.messages,
      uiLog: decodeUiLog(source.ui_chat_log, warnings),
      project: decodeProject(source.project, warnings),
      namespace: decodeNamespace(source.namespace, warnings),
      approval,
      preapprovedTools: preapproved,
    },
    warnings,
  }
}

function conversationOf(value: unknown, warnings: string[]): unknown {
  if (!isObject(value)) return value === undefined ? [] : value
  if (AGENT_NAME in value) return value[AGENT_NAME]
  // Another agent's name (a foundational agent's prompt): take the only conversation there is.
  const lists = Object.entries(value).filter(([, list]) => Array.isArray(list))
  if (lists.length === 1 && lists[0]) {
    warnings.push(
      `the conversation is stored under ${JSON.stringify(lists[0][0].slice(0, 40))}, not "${AGENT_NAME}"`,
    )
    return lists[0][1]
  }
  if (lists.length > 1) warnings.push(`no "${AGENT_NAME}" conversation among ${lists.length}: started afresh`)
  return []
}

const MESSAGE_TYPES = new Set(['user', 'agent', 'tool', 'request', 'workflow_end'])

/**
 * The chat log as the UI last saw it. Entries are the UI's data: the nine keys are made present
 * and typed, any other key (a newer GitLab's `component_name`...) and any status value are kept.
 */
function decodeUiLog(value: unknown, warnings: string[]): UiLogEntry[] {
  if (!Array.isArray(value)) {
    if (value !== undefined && value !== null) warnings.push('the chat log is not a list: started afresh')
    return []
  }
  const log: UiLogEntry[] = []
  value.forEach((entry, index) => {
    if (
      !isObject(entry) ||
      typeof entry.message_type !== 'string' ||
      !MESSAGE_TYPES.has(entry.message_type)
    ) {
      warnings.push(`chat log entry ${index} is not an entry: skipped`)
      return
    }
    const info = entry.tool_info
    log.push({
      ...entry,
      message_type: entry.message_type as UiLogEntry['message_type'],
      message_sub_type: typeof entry.message_sub_type === 'string' ? entry.message_sub_type : null,
      content: typeof entry.content === 'string' ? entry.content : '',
      timestamp: typeof entry.timestamp === 'string' ? entry.timestamp : '',
      status: typeof entry.status === 'string' ? (entry.status as UiLogEntry['status']) : null,
      correlation_id: null,
      tool_info:
        isObject(info) && typeof info.name === 'string'
          ? { ...info, name: info.name, args: isObject(info.args) ? info.args : {} }
          : null,
      additional_context: Array.isArray(entry.additional_context) ? entry.additional_context : null,
      message_id: typeof entry.message_id === 'string' ? entry.message_id : null,
    })
  })
  return log
}

/** A numeric id, also from a numeric string or a global id (`gid://gitlab/Project/7`). */
function numericId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  const match = typeof value === 'string' ? /(?:^|\/)(\d+)$/.exec(value) : null
  return match ? Number(match[1]) : undefined
}

const orNull = (value: unknown): string | null => (typeof value === 'string' ? value : null)
const strings = (list: unknown[]): string[] => list.filter((item): item is string => typeof item === 'string')

function decodeProject(value: unknown, warnings: string[]): ProjectInfo | null {
  if (!isObject(value)) return null
  const id = numericId(value.id)
  if (id === undefined) {
    warnings.push('the project has no usable id: read as none')
    return null
  }
  const languages = Array.isArray(value.languages) ? value.languages.filter(isObject) : []
  return {
    id,
    name: orNull(value.name) ?? '',
    description: orNull(value.description),
    http_url_to_repo: orNull(value.http_url_to_repo),
    web_url: orNull(value.web_url),
    default_branch: orNull(value.default_branch),
    languages: languages.map((l) => ({
      name: typeof l.name === 'string' ? l.name : '',
      share: typeof l.share === 'number' ? l.share : 0,
    })),
    exclusion_rules: Array.isArray(value.exclusion_rules) ? strings(value.exclusion_rules) : [],
  }
}

function decodeNamespace(value: unknown, warnings: string[]): NamespaceInfo | null {
  if (!isObject(value)) return null
  const id = numericId(value.id)
  if (id === undefined) {
    warnings.push('the namespace has no usable id: read as none')
    return null
  }
  return {
    id,
    name: orNull(value.name) ?? '',
    description: orNull(value.description),
    web_url: orNull(value.web_url),
  }
}
