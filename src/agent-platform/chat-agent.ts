/**
 * The Agentic Chat agent's loop for one turn (spec §5.3, §5.7): call the model with the
 * conversation and the session's tools; an answer without tool calls ends the turn (the user's
 * turn to write); tool calls run, unless one of them needs the user's approval, which ends the turn
 * asking for it; then the model is called again with the results. Every step is saved and shown
 * (journal.ts). Failures are the session's to show: they leave here as exceptions.
 */
import type { Logger } from '../logging.ts'
import type { ToolCall, ToolDefinition } from '../model-call/types.ts'
import type { SelfHostedModel } from '../models/metadata.ts'
import type { Models } from '../models/models.ts'
import { callsNeedingApproval, type ApprovalPolicy } from './approvals.ts'
import { TurnFailed } from './failures.ts'
import type { Journal } from './journal.ts'
import { modelStep } from './model-step.ts'
import { chatPrompt, replyWithoutModel, type ChatPromptInput } from './prompt/messages.ts'
import { answerInvalidCalls, runToolCalls } from './tool-step.ts'
import type { AgentTool, ToolContext } from './tools/tool.ts'
import { pendingToolCalls, type FirstStep } from './turn-input.ts'
import { agentEntry, agentFailureEntry, approvalRequestEntry } from './ui-log.ts'

/** GitLab's LangGraph recursion limit (300 steps) allows about this many model calls in one turn. */
export const MAX_MODEL_CALLS = 150

export interface ChatAgentOptions {
  journal: Journal
  models: Models
  model: SelfHostedModel
  /** The tools offered in this session. */
  tools: readonly AgentTool[]
  toolContext: ToolContext
  approvals: ApprovalPolicy
  /** What the prompt says about the instance and the session (the history, tools and clock are the agent's). */
  prompt: Omit<ChatPromptInput, 'family' | 'history' | 'tools' | 'now'>
  now: () => number
  /** Self-hosted billing: waits for GitLab to record a model call before it is made. */
  beforeModelCall?: (() => Promise<void>) | undefined
  /** Aborted when the turn stops: cancels the model call in progress. */
  signal: AbortSignal
  log: Logger
  maxModelCalls?: number | undefined
  onToolCall?: ((tool: string, seconds: number, failed: boolean) => void) | undefined
  /** The first model output of the turn reached the client (time-to-first-response). */
  onFirstOutput?: (() => void) | undefined
}

export async function runChatAgent(first: FirstStep, options: ChatAgentOptions): Promise<void> {
  const { journal } = options
  const { state } = journal
  const tools = new Map(options.tools.map((tool) => [tool.name, tool]))
  const definitions: ToolDefinition[] = options.tools.map(({ name, description, parameters }) => ({
    name,
    description,
    parameters,
  }))
  const maxCalls = options.maxModelCalls ?? MAX_MODEL_CALLS
  let modelCalls = 0
  let next = first
  let firstOutput = options.onFirstOutput

  for (;;) {
    if (next === 'idle') return journal.commit('input_required')
    if (next === 'tools') {
      await runToolCalls(pendingToolCalls(state.history), {
        tools,
        context: options.toolContext,
        journal,
        log: options.log,
        onCall: options.onToolCall,
      })
      await journal.commit('Execution')
      next = 'agent'
      continue
    }

    const reply = replyWithoutModel(state.history)
    if (reply !== undefined) {
      // An unknown slash command: answered at once, no model call (spec §8.2).
      state.history.push({ role: 'assistant', id: `lc_run--${crypto.randomUUID()}`, content: reply })
      state.uiLog.push(agentFailureEntry(reply))
      return journal.commit('input_required')
    }
    if (++modelCalls > maxCalls) {
      throw new TurnFailed(
        `The agent stopped after ${maxCalls} model calls in one turn without finishing. Ask again with a narrower question.`,
      )
    }
    await options.beforeModelCall?.()
    const prompt = chatPrompt({
      ...options.prompt,
      family: options.model.family,
      history: state.history,
      tools: definitions,
      now: options.now(),
    })
    if (prompt.leftOut || prompt.shortened) {
      options.log.info('Conversation trimmed to fit the model', {
        left_out: prompt.leftOut,
        shortened: prompt.shortened,
        budget_tokens: prompt.budgetTokens,
      })
    }
    const invocation = options.models.invocation({
      model: options.model,
      messages: prompt.messages,
      tools: definitions,
      params: prompt.definition.modelParams,
      timeoutS: prompt.definition.timeoutS,
      labels: { featureCategory: 'duo_agent_platform', unitPrimitive: 'duo_chat' },
    })
    const message = await modelStep({
      models: options.models,
      invocation,
      signal: options.signal,
      onText: (id, text) => {
        firstOutput?.()
        firstOutput = undefined
        journal.showText(id, text)
      },
    })
    state.history.push(message)
    const calls = message.toolCalls ?? []
    if (!calls.length && !message.invalidToolCalls?.length) {
      state.uiLog.push(
        agentEntry(
          message.id,
          message.content || 'The model gave an empty answer. Please try again or rephrase your question.',
        ),
      )
      return journal.commit('input_required')
    }
    if (message.content) state.uiLog.push(agentEntry(message.id, message.content))
    answerInvalidCalls(message.invalidToolCalls ?? [], journal)
    const runnable = message.finishReason === 'length' ? refuseCutCalls(calls, journal) : calls
    const needing = await callsNeedingApproval(runnable, tools, options.approvals)
    if (needing.length) {
      // Nothing of this message runs until the user decides (GitLab: not even the pre-approved calls).
      for (const call of needing) state.uiLog.push(approvalRequestEntry(call))
      return journal.commit('tool_call_approval_required')
    }
    await journal.commit('Execution')
    next = runnable.length ? 'tools' : 'agent'
  }
}

/** A call written while the model ran out of output tokens may be cut short: it is answered with an error, not run. */
function refuseCutCalls(calls: readonly ToolCall[], journal: Journal): ToolCall[] {
  for (const call of calls) {
    journal.state.history.push({
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content:
        'Not run: the maximum number of output tokens was reached while this tool call was written, so its arguments may be incomplete. Make the call again with shorter arguments.',
      status: 'error',
    })
  }
  return []
}
