/**
 * The ReAct prompt of one chat turn (spec features §5.2), from the `chat/react` definition of the
 * model's family: its system template (tools, resources, date), its user template per user
 * message (page context, file, additional context, question), its assistant template per earlier
 * answer, and the prefill the model continues: the turn's tool steps, then `Thought:`.
 */
import Mustache from 'mustache'
import type { ChatMessage } from '../model-call/types.ts'
import type { PromptDefinition } from '../prompts/definition.ts'
import type { ChatTool } from './tools.ts'
import type { ChatTurn, ConversationMessage, ReactStep } from './turn.ts'

const RAW = { escape: (value: unknown) => String(value) }
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

export const REACT_PROMPT = 'chat/react'
export const PREFILL = 'Thought:'

export function reactMessages(
  definition: PromptDefinition,
  turn: ChatTurn,
  tools: readonly ChatTool[],
  nowMs: number,
): ChatMessage[] {
  const template = (role: ChatMessage['role']) =>
    definition.messages.find((m) => m.role === role)?.template ?? '{{question}}'
  const system = render(template('system'), systemVariables(tools, turn.unavailableResources, nowMs))
  const messages: ChatMessage[] = [{ role: 'system', content: system }]
  for (const message of turn.messages) {
    messages.push(
      message.role === 'user'
        ? { role: 'user', content: render(template('user'), userVariables(message)) }
        : {
            role: 'assistant',
            content: render(template('assistant'), {
              observations: message.observations,
              has_observations: message.observations.length > 0,
              answer: message.content,
            }),
          },
    )
  }
  messages.push({ role: 'assistant', content: prefill(turn.steps) })
  return messages
}

/** The steps already taken in this turn, in the format the model writes them, then the `Thought:` it continues. */
export function prefill(steps: readonly ReactStep[]): string {
  let text = ''
  for (const step of steps) {
    text += `${PREFILL} ${step.thought}\nAction: ${step.tool}\nAction Input: ${step.toolInput}\nObservation: ${step.observation}\n`
  }
  return text + PREFILL
}

function systemVariables(
  tools: readonly ChatTool[],
  unavailable: readonly string[],
  nowMs: number,
): Record<string, unknown> {
  return {
    current_date: chatDate(nowMs),
    tools: tools.map((tool) => ({ name: tool.name, description: tool.description, example: tool.example })),
    tool_names: tools.map((tool) => tool.name).join(', '),
    resources: tools.map((tool) => tool.resource).join(', ') || 'none',
    unavailable_resources: pythonList(unavailable),
    reads_issues_or_epics: tools.some((tool) => tool.name === 'issue_reader' || tool.name === 'epic_reader'),
  }
}

function userVariables(message: ConversationMessage): Record<string, unknown> {
  const page = message.context
  return {
    question: message.content,
    page_context: page
      ? {
          page_type: humanType(page.type),
          page_title: page.title || undefined,
          page_body: page.content || undefined,
          page_type_only: !page.title && !page.content,
        }
      : undefined,
    current_file: message.currentFile
      ? {
          file_path: message.currentFile.file_path,
          file_data: message.currentFile.data,
          file_selected: message.currentFile.selected_code === true,
        }
      : undefined,
    additional_context: message.additionalContext.map((item) => ({
      item_category: humanType(item.category),
      item_id: item.id || undefined,
      item_body: item.content ?? '',
    })),
  }
}

function render(template: string, variables: Record<string, unknown>): string {
  return Mustache.render(template, variables, {}, RAW).trim()
}

/** `merge_request` → `merge request`. */
function humanType(type: string): string {
  return type.replaceAll('_', ' ')
}

/** `['Pipelines', 'Vulnerabilities']`: GitLab renders the list as Python prints it. */
function pythonList(items: readonly string[]): string {
  return `[${items.map((item) => `'${item.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`).join(', ')}]`
}

/** `Wednesday, December, 02, 2026`: the format GitLab's chat prompt uses. */
export function chatDate(nowMs: number): string {
  const date = new Date(nowMs)
  return `${DAYS[date.getUTCDay()]}, ${MONTHS[date.getUTCMonth()]}, ${String(date.getUTCDate()).padStart(2, '0')}, ${date.getUTCFullYear()}`
}
