/**
 * The fake Rails' checkpoint endpoints (test/fakes/rails.ts): validation as §7.2/§7.3 describe it,
 * compressed checkpoints, storage as jsonb, and "latest" = greatest thread_ts as text with the two
 * kinds of thread_ts in use (UUIDv7, LangGraph's uuid6).
 */
import { randomBytes } from 'node:crypto'
import { deflateSync, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { createFakeRails, type FakeRails } from '../fakes/rails.ts'

const WORKFLOWS = '/api/v4/ai/duo_workflows/workflows'
const METADATA = { source: 'loop', step: 1, parents: {} }
const EITHER = { message: '400 Bad request - Either checkpoint or compressed_checkpoint must be provided' }
const BLANK = (...fields: string[]) => ({
  message: `400 Bad request - [${fields.map((f) => `"${f} can't be blank"`).join(', ')}]`,
})
const COMPRESSED = '400 Bad request - Invalid compressed checkpoint data:'

async function call(rails: FakeRails, method: string, path: string, body?: unknown) {
  const response = await rails.handle({
    method,
    path,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  return { status: response.statusCode, json: JSON.parse(response.body) as unknown, text: response.body }
}

const post = (rails: FakeRails, id: string, body: unknown) =>
  call(rails, 'POST', `${WORKFLOWS}/${id}/checkpoints`, body)

/** UUIDv7: 48-bit Unix milliseconds first, so the text sorts by time. */
function uuidv7(ms: number): string {
  const hex =
    ms.toString(16).padStart(12, '0') +
    '7' +
    randomBytes(2).toString('hex').slice(1) +
    '8' +
    randomBytes(8).toString('hex').slice(1)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** LangGraph's uuid6: 60-bit count of 100 ns since 1582-10-15, high bits first, version nibble before the low 12. */
function uuid6(ms: number, tick = 0): string {
  const ts = (BigInt(ms) * 10_000n + 0x01b21dd213814000n + BigInt(tick)).toString(16).padStart(15, '0')
  const clock = (0x8000 | (tick & 0x3fff)).toString(16)
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-6${ts.slice(12, 15)}-${clock}-${randomBytes(6).toString('hex')}`
}

describe('POST …/checkpoints validation', () => {
  it('stores a valid checkpoint and answers 201 with the BasicCheckpoint', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const { status, json } = await post(rails, id, {
      thread_ts: 'a',
      parent_ts: null,
      checkpoint: { v: 1 },
      metadata: METADATA,
    })
    expect(status).toBe(201)
    expect(json).toEqual({ id: expect.any(Number), thread_ts: 'a', parent_ts: null })
    expect(rails.checkpoints(id)).toMatchObject([
      { thread_ts: 'a', parent_ts: null, checkpoint: { v: 1 }, metadata: METADATA },
    ])
  })

  it('answers each invalid body as Rails does, and stores nothing', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const cases: [unknown, number, unknown][] = [
      [{ checkpoint: { v: 1 } }, 400, { error: 'thread_ts is missing, metadata is missing' }],
      [
        { thread_ts: 'a', checkpoint: 'text', metadata: 'text' },
        400,
        { error: 'checkpoint is invalid, metadata is invalid' },
      ],
      [
        { thread_ts: { t: 1 }, checkpoint: { v: 1 }, metadata: METADATA },
        400,
        { error: 'thread_ts is invalid' },
      ],
      [{ thread_ts: 'a', metadata: METADATA }, 400, EITHER],
      [{ thread_ts: 'a', checkpoint: {}, metadata: METADATA }, 400, EITHER],
      [{ thread_ts: 'a', checkpoint: null, compressed_checkpoint: '', metadata: METADATA }, 400, EITHER],
      [
        { thread_ts: 'a', checkpoint: { v: 1 }, metadata: {} },
        400,
        { message: `400 Bad request - ["Metadata can't be blank"]` },
      ],
      [{ thread_ts: ' ', checkpoint: { v: 1 }, metadata: null }, 400, BLANK('Thread ts', 'Metadata')],
      [
        { thread_ts: 'x'.repeat(256), checkpoint: { v: 1 }, metadata: METADATA },
        500,
        { message: '500 Internal Server Error' },
      ],
      [
        { thread_ts: 'a', checkpoint: { text: 'nul \u0000 here' }, metadata: METADATA },
        500,
        { message: '500 Internal Server Error' },
      ],
    ]
    for (const [body, status, json] of cases)
      expect(await post(rails, id, body), JSON.stringify(body)).toMatchObject({ status, json })
    expect(rails.checkpoints(id)).toEqual([])
    expect(
      await post(rails, '404', { thread_ts: 'a', checkpoint: { v: 1 }, metadata: METADATA }),
    ).toMatchObject({ status: 404 })
    // Grape validates before the workflow is looked up.
    expect(await post(rails, '404', {})).toMatchObject({ status: 400 })
  })

  it('coerces a numeric thread_ts to text, as Grape does', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    expect(await post(rails, id, { thread_ts: 123, checkpoint: { v: 1 }, metadata: METADATA })).toMatchObject(
      { status: 201, json: { thread_ts: '123' } },
    )
  })

  it('takes the first checkpoint’s __start__.goal as the workflow goal', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    await post(rails, id, {
      thread_ts: 'a',
      checkpoint: { channel_values: { __start__: { goal: 'Why is it red?' } } },
      metadata: METADATA,
    })
    await post(rails, id, {
      thread_ts: 'b',
      parent_ts: 'a',
      checkpoint: { channel_values: { __start__: { goal: 'later' } } },
      metadata: METADATA,
    })
    expect(rails.workflow(id).goal).toBe('Why is it red?')
  })
})

describe('compressed checkpoints', () => {
  const state = {
    v: 4,
    id: 'x',
    channel_values: { status: 'Execution', ui_chat_log: [{ content: 'héllo <b> & ✓' }] },
  }

  it('inflates base64(zlib(JSON)) and stores the object', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const compressed = deflateSync(JSON.stringify(state)).toString('base64')
    expect(
      (await post(rails, id, { thread_ts: 'a', compressed_checkpoint: compressed, metadata: METADATA }))
        .status,
    ).toBe(201)
    expect(rails.checkpoints(id)[0]?.checkpoint).toEqual(state)
  })

  it('gives a compressed copy back when asked with accept_compressed', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    await post(rails, id, { thread_ts: 'a', checkpoint: state, metadata: METADATA })
    const [plain] = (await call(rails, 'GET', `${WORKFLOWS}/${id}/checkpoints`)).json as Record<
      string,
      unknown
    >[]
    expect(plain).toEqual({
      id: expect.any(Number),
      thread_ts: 'a',
      parent_ts: null,
      checkpoint: { v: 4, id: 'x', channel_values: state.channel_values },
      checkpoint_writes: [],
      metadata: METADATA,
    })
    const [packed] = (await call(rails, 'GET', `${WORKFLOWS}/${id}/checkpoints?accept_compressed=true`))
      .json as Record<string, unknown>[]
    expect(packed).not.toHaveProperty('checkpoint')
    expect(
      JSON.parse(
        inflateSync(Buffer.from(packed?.compressed_checkpoint as string, 'base64')).toString('utf8'),
      ),
    ).toEqual(state)
  })

  it('refuses bad base64, data that is not zlib, and JSON that does not parse', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const attempt = async (compressed_checkpoint: string) =>
      (await post(rails, id, { thread_ts: 'a', compressed_checkpoint, metadata: METADATA })).json
    expect(await attempt('not base64!')).toEqual({ message: `${COMPRESSED} invalid base64` })
    expect(await attempt(deflateSync('{}').toString('base64').replace(/=+$/, ''))).toMatchObject({
      message: expect.stringContaining('invalid base64'),
    })
    expect(await attempt(Buffer.from('{"v":1}').toString('base64'))).toEqual({
      message: `${COMPRESSED} incorrect header check`,
    })
    expect(await attempt(deflateSync('{"v":1}').subarray(0, 6).toString('base64'))).toEqual({
      message: `${COMPRESSED} buffer error`,
    })
    expect(await attempt(deflateSync('{"v":').toString('base64'))).toEqual({
      message: `${COMPRESSED} unexpected token at '{"v":'`,
    })
    expect(await attempt(deflateSync('{}').toString('base64'))).toEqual(BLANK('Checkpoint'))
    expect(rails.checkpoints(id)).toEqual([])
  })
})

describe('storage and order', () => {
  it('gives checkpoints back with keys in jsonb order and HTML-escaped JSON text', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    await post(rails, id, {
      thread_ts: 'a',
      checkpoint: { channel_values: { note: '<b>&' }, ts: 't', id: 'a', v: 4 },
      metadata: METADATA,
    })
    const { text, json } = await call(rails, 'GET', `${WORKFLOWS}/${id}/checkpoints`)
    expect(Object.keys((json as { checkpoint: object }[])[0]?.checkpoint ?? {})).toEqual([
      'v',
      'id',
      'ts',
      'channel_values',
    ])
    expect(text).toContain('"note":"\\u003cb\\u003e\\u0026"')
    expect(
      (json as { checkpoint: { channel_values: { note: string } } }[])[0]?.checkpoint.channel_values.note,
    ).toBe('<b>&')
  })

  it('lists newest thread_ts first, paginates, and shows one by id', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const other = rails.addWorkflow()
    const start = Date.parse('2026-02-10T12:00:00Z')
    const ids: number[] = []
    let parent: string | null = null
    for (let i = 0; i < 5; i++) {
      const thread_ts = uuidv7(start + i * 7)
      ids.push(
        (
          (await post(rails, id, { thread_ts, parent_ts: parent, checkpoint: { n: i }, metadata: METADATA }))
            .json as { id: number }
        ).id,
      )
      parent = thread_ts
    }
    const list = (await call(rails, 'GET', `${WORKFLOWS}/${id}/checkpoints`)).json as {
      checkpoint: { n: number }
    }[]
    expect(list.map((c) => c.checkpoint.n)).toEqual([4, 3, 2, 1, 0])
    const page = (await call(rails, 'GET', `${WORKFLOWS}/${id}/checkpoints?per_page=2&page=2`)).json as {
      checkpoint: { n: number }
    }[]
    expect(page.map((c) => c.checkpoint.n)).toEqual([2, 1])
    expect(await call(rails, 'GET', `${WORKFLOWS}/${id}/checkpoints/${ids[1]}`)).toMatchObject({
      status: 200,
      json: { checkpoint: { n: 1 } },
    })
    expect(await call(rails, 'GET', `${WORKFLOWS}/${other}/checkpoints/${ids[1]}`)).toMatchObject({
      status: 404,
      json: { message: '404 Not Found' },
    })
    expect(rails.ruleBreaks(id)).toEqual([])
  })

  it('takes the greatest thread_ts as latest, not the last written, for UUIDv7 and LangGraph uuid6 alike', async () => {
    for (const make of [(ms: number, i: number) => uuidv7(ms + i), (ms: number, i: number) => uuid6(ms, i)]) {
      const rails = createFakeRails()
      const id = rails.addWorkflow()
      // Across a hex digit boundary (…f → …10 in the low bits) the text must still sort by time.
      const stamps = Array.from({ length: 20 }, (_, i) => make(Date.parse('2026-12-07T11:37:59.790Z'), i))
      expect([...stamps].sort()).toEqual(stamps)
      for (const thread_ts of [stamps[3], stamps[19], stamps[0]])
        await post(rails, id, { thread_ts, checkpoint: { thread_ts }, metadata: METADATA })
      const [newest] = (await call(rails, 'GET', `${WORKFLOWS}/${id}/checkpoints`)).json as {
        thread_ts: string
      }[]
      expect(newest?.thread_ts).toBe(stamps[19])
      // Rails accepted the out-of-order write; the fake notes it for tests that insist on §7.3.
      expect(rails.ruleBreaks(id).join('\n')).toContain(
        `thread_ts ${stamps[0]} sorts before the latest ${stamps[19]}`,
      )
    }
  })

  it('accepts a repeated thread_ts, as Rails does, and notes it', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    await post(rails, id, { thread_ts: 'a', checkpoint: { v: 1 }, metadata: METADATA })
    expect(
      (await post(rails, id, { thread_ts: 'a', parent_ts: 'a', checkpoint: { v: 2 }, metadata: METADATA }))
        .status,
    ).toBe(201)
    expect(rails.ruleBreaks(id)).toEqual(['thread_ts a was already used'])
  })
})
