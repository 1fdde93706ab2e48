/**
 * GitLab's own calls to the prompt registry, as Rails sends them and reads the answers (spec
 * gitlab-client §3.1.3, §3.5, §3.6; features §6): the admin's Test connection and how a failing
 * model server reaches it (421 with the upstream status, 502 when unreachable), a chat tool's
 * streamed prompt, and an AI action pinned to versions.
 */
import { describe, expect, inject, it } from 'vitest'
import { gitlabHeaders, instanceToken } from '../gitlab.ts'
import { bodyOf } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { openAiError } from '../wire/openai.ts'
import { MODEL_KEY } from '../code/fixtures.ts'
import { answers, codeSetup, expectNoSecrets, messagesOf, streams, text } from '../code/harness.ts'
import {
  actionBody,
  definitionOf,
  definitionsOf,
  DRAFT_NOTES,
  explainCodeInputs,
  invokeBody,
  MODEL,
  PROMPT_SCOPES,
  SELECTED_CODE,
  templateText,
  TEST_CONNECTION_PATH,
  testConnectionBody,
} from './fixtures.ts'

/** The model server refusing the call with `status` (an OpenAI-style body that echoes the key, as some servers do). */
const refuses = (status: number) => ({
  match: '/v1/chat/completions',
  status,
  chunks: [{ text: JSON.stringify(openAiError(`request with key ${MODEL_KEY} refused`)) }],
})

export function promptFlowsContract(target: Target) {
  describe(`prompt registry: GitLab's Test connection, chat tools and AI actions [${target.runtime}]`, () => {
    const start = codeSetup(target)
    const setUp = (settings: Record<string, string> = {}) =>
      start(settings, '18.x', { scopes: PROMPT_SCOPES })

    it("Test connection: Rails' exact body on the encoded path gets a 200 from a working model server", async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script(answers('Hello!'))
      const response = await post(TEST_CONNECTION_PATH, testConnectionBody(endpoint))
      expect(response.status).toBe(200)
      // 17.x reads the body as a JSON string; the newest GitLab ignores it.
      expect(await response.json()).toBe('Hello!')
      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/chat/completions')
      expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
      expect(bodyOf(received)).toMatchObject({ model: 'Mistral-7B-Instruct-v0.3', stream: false })
      expectNoSecrets(gateway)
    })

    it('Test connection works with a 17.x token (code_suggestions) and with an empty key', async () => {
      const { server, endpoint, issuer, gateway } = await setUp()
      await server.script(answers('Hello!'))
      const token = await instanceToken(issuer, '17.x')
      const response = await gateway.fetch(TEST_CONNECTION_PATH, {
        method: 'POST',
        headers: gitlabHeaders(token),
        body: JSON.stringify(testConnectionBody(endpoint, '')),
      })
      expect(response.status).toBe(200)
      expect((await server.onlyRequest()).headers.authorization).toBe('Bearer dummy_key')
    })

    it('Test connection: the model server\'s 401, 404 and 500 come back as 421 "<status>: <reason>", never with the key', async () => {
      const { server, endpoint, post, gateway } = await setUp()
      for (const [status, detail] of [
        [401, '401: Unauthorized'],
        [404, '404: Not Found'],
        [500, '500: Internal Server Error'],
      ] as const) {
        await server.script(refuses(status))
        const response = await post(TEST_CONNECTION_PATH, testConnectionBody(endpoint))
        expect(response.status, String(status)).toBe(421)
        const raw = await response.text()
        expect(JSON.parse(raw)).toEqual({ detail })
        expectNoSecrets(gateway, raw)
      }
    })

    it('maps an upstream HTTP error to 421 on both versions, streamed or not (before any 200)', async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script(refuses(401))
      for (const path of ['/v1/prompts/model_configuration/check', '/v2/prompts/model_configuration/check']) {
        for (const stream of [false, true]) {
          const response = await post(path, invokeBody(endpoint, {}, { stream }))
          expect(response.status, `${path} stream ${stream}`).toBe(421)
          expect(await response.json()).toEqual({ detail: '401: Unauthorized' })
        }
      }
      expectNoSecrets(gateway)
    })

    it('answers 502 naming the host when the model server cannot be reached', async () => {
      const { post, gateway } = await setUp()
      const refusing = inject('refusingUrl')
      for (const stream of [false, true]) {
        const response = await post(TEST_CONNECTION_PATH, { ...testConnectionBody(`${refusing}/v1`), stream })
        expect(response.status, `stream ${stream}`).toBe(502)
        const raw = await response.text()
        expect((JSON.parse(raw) as { detail: string }).detail).toContain(new URL(refusing).host)
        expectNoSecrets(gateway, raw)
      }
    })

    it('chat tool: /explain streams the explanation of the selected code as raw text', async () => {
      const { server, endpoint, post } = await setUp()
      const answer = ['This method ', 'adds up the ', 'prices of the items.']
      await server.script(streams(answer))
      const body = {
        stream: true,
        inputs: explainCodeInputs,
        model_metadata: invokeBody(endpoint).model_metadata,
        prompt_version: '^1.0.0',
      }
      const response = await post('/v1/prompts/chat/explain_code', body)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(await text(response)).toBe(answer.join(''))

      const received = await server.onlyRequest()
      const sent = bodyOf(received)
      expect(sent).toMatchObject({ model: MODEL, stream: true })
      const definition = definitionOf('chat/explain_code', ['mistral'])
      expect(definition, 'a chat/explain_code definition').toBeDefined()
      expect(sent).toMatchObject(definition!.model_params ?? {})
      const messages = messagesOf(received)
      expect(messages.map((m) => m.role)).toEqual(definition!.messages.map((m) => m.role))
      const user = messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .join('\n')
      expect(user).toContain(SELECTED_CODE)
      expect(user).toContain(explainCodeInputs.input)
      // No template placeholder left unrendered.
      expect(messages.map((m) => m.content).join('\n')).not.toMatch(/\{\{/)
    })

    it('chat tool: the /explain prompt answers the same on /v2, as NDJSON', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['It ', 'sums.']))
      const response = await post('/v2/prompts/chat%2Fexplain_code', {
        stream: true,
        inputs: explainCodeInputs,
        model_metadata: invokeBody(endpoint).model_metadata,
      })
      expect(response.status).toBe(200)
      const lines = (await text(response))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { content: string })
      expect(lines.map((l) => l.content).join('')).toBe('It sums.')
    })

    it('AI action: summarize_review in the versions Rails asks for (^2.0.0, pinned 2.1.0, none)', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(
        answers(
          'I left two comments: a rename and a question. I estimate there is a small amount of work required.',
        ),
      )
      const cases: [string | undefined, string][] = [
        ['^2.0.0', '2.'],
        ['2.1.0', '2.1.0'],
        [undefined, '1.'],
      ]
      for (const [promptVersion, expected] of cases) {
        const body = actionBody(
          endpoint,
          { draft_notes_content: DRAFT_NOTES },
          promptVersion === undefined ? {} : { prompt_version: promptVersion },
        )
        const response = await post('/v1/prompts/summarize_review', body)
        expect(response.status, String(promptVersion)).toBe(200)
        expect(typeof (await response.json())).toBe('string')
        // Which version answered shows only in what it sent; check it when the versions' texts differ.
        const version = pickedVersion(promptVersion)
        expect(version, String(promptVersion)).toBeDefined()
        expect(version!.startsWith(expected), `${String(promptVersion)} → ${version}`).toBe(true)
      }
      const received = await server.requests()
      expect(received).toHaveLength(3)
      for (const [i, request] of received.entries()) {
        const sent = messagesOf(request)
          .map((m) => m.content)
          .join('\n')
        expect(sent).toContain(DRAFT_NOTES.trim())
        const version = pickedVersion(cases[i]![0])!
        const own = systemText('summarize_review', version)
        const others = definitionsOf('summarize_review')
          .filter((d) => d.family === 'base' && d.version !== version)
          .map((d) => systemText('summarize_review', d.version))
        if (own !== undefined && others.every((o) => o !== own))
          expect(
            messagesOf(request)
              .find((m) => m.role === 'system')
              ?.content.trim(),
          ).toBe(own.trim())
      }
    })
  })
}

/** The base-directory summarize_review version a constraint selects (highest stable match; exact names first). */
function pickedVersion(constraint: string | undefined): string | undefined {
  const versions = definitionsOf('summarize_review')
    .filter((d) => d.family === 'base')
    .flatMap((d) => [d.version, ...(d.also_serves ?? [])])
  if (constraint !== undefined && versions.includes(constraint)) return constraint
  const major = constraint === undefined ? 1 : Number(/^\^(\d+)\./.exec(constraint)?.[1])
  const candidates = versions.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && Number(v.split('.')[0]) === major)
  return candidates.sort((a, b) => compare(b, a))[0]
}

function compare(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return 0
}

/** The system template of a base definition when it prints no variable (so it is sent as written). */
function systemText(promptId: string, version: string): string | undefined {
  const definition = definitionOf(promptId, [], version)
  const system = definition?.messages.find((m) => m.role === 'system')
  if (!system) return undefined
  const textOf = templateText(system.template)
  return /\{\{/.test(textOf) ? undefined : textOf
}
