/** The Duo Chat routes' contract (spec features §5). */
import * as z from 'zod/mini'
import { chatBody, chatBodyDoc } from '../../chat/schema.ts'
import { v1ChatBody } from '../../chat/v1.ts'
import type { RouteSpec } from '../route.ts'
import { commonErrors, detailError } from './shared-responses.ts'

export const CHAT = {
  agent: {
    method: 'POST',
    path: '/v2/chat/agent',
    public: false,
    body: chatBody,
    doc: {
      summary: 'Duo Chat (ReAct agent)',
      description:
        'One turn of Duo Chat with the self-hosted model named by `model_metadata`: the model answers, or picks one of the tools this ' +
        'user may use (GitLab runs it and posts the turn again with the observation in `agent_scratchpad`). Needs `duo_classic_chat` ' +
        '(or `duo_chat`), and `include_<category>_context` per additional-context category. The 17.1–17.2 body (`prompt`, ' +
        '`options.chat_history`) is accepted too.',
      tags: ['chat'],
      // `model_metadata` is read loosely, then refused in GitLab's words when unusable.
      requestBody: chatBodyDoc,
      responses: {
        200: {
          description:
            'NDJSON events (`application/x-ndjson`), one per line: `final_answer_delta` {text, finish_reason} as the answer streams; ' +
            'then `action` {tool, tool_input, thought}, `unknown` {text} or `error` {message, retryable}; `usage` last when known',
        },
        400: {
          description:
            "`agent_scratchpad` on a message that is not the assistant's; an unusable model endpoint or identifier",
          schema: detailError,
        },
        ...commonErrors,
        422: {
          description: 'A body that does not match the schema, or that names no self-hosted model',
          schema: detailError,
        },
      },
    },
  },
  v1: {
    method: 'POST',
    path: '/v1/chat/:invokable',
    public: false,
    body: v1ChatBody,
    doc: {
      summary: 'Duo Chat slash command (GitLab 17.x)',
      description:
        '`agent`, `explain_code`, `write_tests`, `refactor_code`, `fix_code` (need `duo_chat` or `duo_classic_chat`), ' +
        '`explain_vulnerability`, `summarize_comments`, `troubleshoot_job` (need the primitive of that name). ' +
        'Sends the messages of the single prompt component to the self-hosted model (`provider: litellm`, `model`, ' +
        '`model_endpoint`, `model_api_key`, `model_identifier`).',
      tags: ['chat'],
      responses: {
        200: {
          description:
            '`{response, metadata}`; with `stream: true`, the text as it is generated (`text/event-stream`, no framing)',
          schema: z.object({
            response: z.string(),
            metadata: z.object({ provider: z.string(), model: z.string(), timestamp: z.int() }),
          }),
        },
        ...commonErrors,
        404: { description: 'Unknown chat invokable', schema: detailError },
        422: {
          description: 'A body outside the limits, or no self-hosted model (`provider: litellm`)',
          schema: detailError,
        },
        429: {
          description: 'The model server is rate-limiting (`Retry-After` passed on)',
          schema: detailError,
        },
        502: {
          description: 'The model server could not be reached (the detail names its host)',
          schema: detailError,
        },
        503: { description: 'The model server answered with an error', schema: detailError },
      },
    },
  },
} as const satisfies Record<string, RouteSpec>
