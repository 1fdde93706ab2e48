/**
 * Duo Chat's ReAct agent for one turn (spec features §5.2): the `chat/react` prompt of the
 * model's family rendered with the tools this user may use, one streamed model call, and its
 * output as NDJSON events. Failures of the model server after the request was accepted are
 * events too (`error`), as GitLab's gateway sends them: Rails retries those it may.
 */
import type { AuthContext } from '../auth/auth-context.ts'
import { ModelStreamError } from '../model-call/types.ts'
import { UpstreamError } from '../model-call/upstream-error.ts'
import type { SelfHostedModel } from '../models/metadata.ts'
import type { Models } from '../models/models.ts'
import type { ModelInvocation } from '../models/request.ts'
import type { PromptRegistry } from '../prompts/registry.ts'
import { reactMessages, REACT_PROMPT } from './react-prompt.ts'
import { AnswerTooLarge, errorEventStream, reactEventStream } from './react-stream.ts'
import { availableTools, type ChatTool } from './tools.ts'
import type { ChatTurn } from './turn.ts'

export interface PreparedChat {
  invocation: ModelInvocation
  tools: ChatTool[]
  promptLabel: string
}

export interface ChatAgentDeps {
  models: Models
  prompts: PromptRegistry
  now: () => number
}

export class ChatAgent {
  private readonly deps: ChatAgentDeps
  constructor(deps: ChatAgentDeps) {
    this.deps = deps
  }

  prepare(
    auth: AuthContext,
    turn: ChatTurn,
    model: SelfHostedModel,
    gitlabVersion: string | undefined,
  ): PreparedChat {
    const definition = this.deps.prompts.resolve(REACT_PROMPT, model.family)
    const tools = availableTools(auth, gitlabVersion)
    return {
      invocation: this.deps.models.invocation({
        model,
        messages: reactMessages(definition, turn, tools, this.deps.now()),
        params: definition.modelParams,
        stop: definition.stop,
        timeoutS: definition.timeoutS,
        labels: { featureCategory: 'duo_chat', unitPrimitive: 'duo_chat' },
      }),
      tools,
      promptLabel: `${definition.id}/${definition.family}@${definition.version}`,
    }
  }

  /** The turn's events as NDJSON bytes; model failures become an `error` event, never an HTTP error. */
  async stream(
    prepared: PreparedChat,
    signal: AbortSignal | undefined,
    onError: (error: unknown) => void,
  ): Promise<ReadableStream<Uint8Array>> {
    let opened
    try {
      opened = await this.deps.models.stream(prepared.invocation, signal)
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error
      return errorEventStream(errorEvent(error))
    }
    return reactEventStream(opened.events, {
      tools: new Set(prepared.tools.map((tool) => tool.name)),
      modelName: prepared.invocation.call.target.upstreamModel,
      stripReasoning: prepared.invocation.stripReasoning,
      maxHeldChars: this.deps.models.maxResponseBytes,
      deadlines: opened.deadlines,
      describeError: (error) => errorEvent(error),
      onError,
    })
  }
}

/**
 * What Rails is told of a failure, and whether it may retry. The model layer's messages name a
 * host, never a key; a model's own in-stream message is passed on (Rails recognises `prompt is
 * too long`), with the request's credentials blanked by the model client.
 */
function errorEvent(error: unknown): { message: string; retryable: boolean } {
  if (error instanceof UpstreamError) {
    const body = JSON.stringify(error.upstreamBody ?? '')
    return { message: error.message, retryable: error.upstreamStatus === 529 || /overloaded/i.test(body) }
  }
  if (error instanceof ModelStreamError)
    return { message: error.message, retryable: /overloaded/i.test(error.message) }
  if (error instanceof AnswerTooLarge) return { message: error.message, retryable: false }
  return { message: 'The model stream failed', retryable: false }
}
