/**
 * The model layer's front door (src/models/Models) on its own, against the fake model server: the
 * policies that belong to no wire format. A call that requires a tool call (`toolChoice` required
 * or a named tool) and gets plain text fails with ToolCallMissing, whole or streamed, whatever
 * the provider; an optional one passes the text on.
 */
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logging.ts'
import { parseModelMetadata } from '../../src/models/metadata.ts'
import { Models } from '../../src/models/models.ts'
import type { ModelRequest } from '../../src/models/request.ts'
import { createModelLayer } from '../../src/providers/registry.ts'
import { ToolCallMissing, type ModelEvent } from '../../src/model-call/types.ts'
import { newModelServer, type ModelServer } from '../contract/model-server-client.ts'
import { chatCompletion, chatStream, frameChunks } from '../contract/wire/openai.ts'
import { createOutboundFetch } from '../../node-entry/outbound-fetch.ts'

const READ_FILE = {
  name: 'read_file',
  description: 'Reads a file',
  parameters: { type: 'object', properties: { file_path: { type: 'string' } } },
}

function frontDoor() {
  const config = parseConfig({ AIGW_GITLAB_URL: 'http://gitlab.example.com', AIGW_CUSTOMER_PORTAL_URL: '' })
  const logger = createLogger({ level: 'critical', json: true, sink: () => {} })
  const layer = createModelLayer(config, createOutboundFetch({}), logger, Date.now)
  return new Models({ config, client: layer.client, formats: layer.formats, logger })
}

function request(server: ModelServer, toolChoice: ModelRequest['toolChoice']): ModelRequest {
  return {
    model: parseModelMetadata({
      provider: 'openai',
      name: 'gpt',
      endpoint: `${server.url}/v1`,
      identifier: 'custom_openai/gpt-oss',
    })!,
    messages: [{ role: 'user', content: 'Read README.md' }],
    tools: [READ_FILE],
    toolChoice,
    params: { max_tokens: 100 },
    labels: { featureCategory: 'test', unitPrimitive: 'duo_chat' },
  }
}

async function drain(events: ReadableStream<ModelEvent>): Promise<ModelEvent[]> {
  const seen: ModelEvent[] = []
  for await (const event of events) seen.push(event)
  return seen
}

describe('a required tool call', () => {
  const models = frontDoor()

  for (const toolChoice of ['required', { name: 'read_file' }] as const) {
    it(`${JSON.stringify(toolChoice)}: a whole answer without one is ToolCallMissing`, async () => {
      const server = await newModelServer()
      await server.script({
        status: 200,
        headers: { 'content-type': 'application/json' },
        chunks: [{ text: JSON.stringify(chatCompletion('I would rather chat.')) }],
      })
      await expect(
        models.complete(models.invocation(request(server, toolChoice)), undefined),
      ).rejects.toBeInstanceOf(ToolCallMissing)
    })

    it(`${JSON.stringify(toolChoice)}: a streamed answer without one ends with ToolCallMissing after its text`, async () => {
      const server = await newModelServer()
      await server.script({
        headers: { 'content-type': 'text/event-stream' },
        chunks: frameChunks(chatStream(['I would ', 'rather chat.'])),
      })
      const { events, deadlines } = await models.stream(
        models.invocation(request(server, toolChoice)),
        undefined,
      )
      const seen: ModelEvent[] = []
      const reader = events.getReader()
      let failure: unknown
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          seen.push(value)
        }
      } catch (error) {
        failure = error
      } finally {
        deadlines.stop()
      }
      expect(
        seen
          .filter((e) => e.type === 'text')
          .map((e) => (e as { text: string }).text)
          .join(''),
      ).toBe('I would rather chat.')
      expect(failure).toBeInstanceOf(ToolCallMissing)
    })
  }

  it('auto: plain text is a fine answer', async () => {
    const server = await newModelServer()
    await server.script({
      headers: { 'content-type': 'text/event-stream' },
      chunks: frameChunks(chatStream(['Hello.'])),
    })
    const { events, deadlines } = await models.stream(models.invocation(request(server, 'auto')), undefined)
    const seen = await drain(events)
    deadlines.stop()
    expect(seen.some((e) => e.type === 'text')).toBe(true)
  })

  it('required, and the model calls the tool: passes', async () => {
    const server = await newModelServer()
    const answer = {
      ...chatCompletion(null, 'tool_calls'),
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'read_file', arguments: '{"file_path":"README.md"}' },
              },
            ],
          },
        },
      ],
    }
    await server.script({
      status: 200,
      headers: { 'content-type': 'application/json' },
      chunks: [{ text: JSON.stringify(answer) }],
    })
    const result = await models.complete(models.invocation(request(server, 'required')), undefined)
    expect(result.toolCalls).toEqual([
      { id: 'call_1', name: 'read_file', arguments: { file_path: 'README.md' } },
    ])
  })
})
