/**
 * `POST /v1/search/gitlab-docs` (spec features §7.1, gitlab-client §3.7): Duo Chat's documentation
 * tool on a real FTS5 index built from test/fixtures/docs by `npm run docs:index` (a SQLite file
 * on Node, the same rows loaded into D1 on Workers).
 */
import { describe, expect, it } from 'vitest'
import { gitlabHeaders, instanceToken, settingsFor, type Generation } from './gitlab.ts'
import { gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import { jsonLogs, type Target } from './target.ts'

export interface SearchIndexSettings {
  /** Settings that give the gateway the fixture index. */
  index: Record<string, string>
  /** Settings that give it an index that fails when queried (Workers: a D1 database without the table). */
  broken?: Record<string, string>
  /** What the start-up line of a gateway without an index tells the operator to set. */
  enableHint: string
}

const PATH = '/v1/search/gitlab-docs'

interface Result {
  id: string
  content: string
  metadata: Record<string, unknown>
}
interface Answer {
  response: { results: Result[] }
  metadata: { provider: string; timestamp: number }
}

/** The body GitLab's docs client sends (ee/lib/gitlab/llm/ai_gateway/docs_client.rb). */
function railsBody(query: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'search-docs',
    metadata: { source: 'GitLab EE', version: '17.11.0' },
    payload: { query, ...extra },
  }
}

/** GitLab's estimate of a text's tokens: 1.4 per whitespace-separated word, rounded down. */
const tokensOf = (text: string) => Math.floor(text.split(/\s+/).filter(Boolean).length * 1.4)

export function searchContract(target: Target, settings: SearchIndexSettings) {
  describe(`/v1/search/gitlab-docs [${target.runtime}]`, () => {
    const start = gatewayFactory(target)

    async function setUp(extra: Record<string, string> = settings.index, generation: Generation = '17.x') {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer, extra))
      const token = await instanceToken(issuer, generation)
      const post = (body: unknown) =>
        gateway.fetch(PATH, {
          method: 'POST',
          headers: gitlabHeaders(token),
          body: typeof body === 'string' ? body : JSON.stringify(body),
        })
      const search = async (query: string, extra: Record<string, unknown> = {}) => {
        const response = await post(railsBody(query, extra))
        expect(response.status, query.slice(0, 80)).toBe(200)
        return (await response.json()) as Answer
      }
      return { gateway, post, search }
    }

    it("answers in GitLab's shape: sections of the fixture pages, provider sqlite, a timestamp in seconds", async () => {
      const { search } = await setUp()
      const answer = await search('rotate personal access token')
      expect(Object.keys(answer).sort()).toEqual(['metadata', 'response'])
      expect(answer.metadata.provider).toBe('sqlite')
      expect(Number.isInteger(answer.metadata.timestamp)).toBe(true)
      expect(Math.abs(answer.metadata.timestamp - Date.now() / 1000)).toBeLessThan(60)
      const [first] = answer.response.results
      expect(first).toBeDefined()
      expect(Object.keys(first!).sort()).toEqual(['content', 'id', 'metadata'])
      // id is the metadata's filename; the metadata keeps front matter and the heading path.
      expect(first!.id).toBe('/user/profile/personal_access_tokens.md')
      expect(first!.metadata).toEqual({
        stage: 'Software Supply Chain Security',
        group: 'Authentication',
        title: 'Personal access tokens',
        Header2: 'Rotate a personal access token',
        filename: '/user/profile/personal_access_tokens.md',
      })
      expect(first!.content).toMatch(
        /^## Rotate a personal access token\n\nRotate a personal access token before it expires/,
      )
    })

    it('ranks the section about the question first (BM25), and every result has all the words', async () => {
      const { search } = await setUp()
      const { results } = (await search('register a runner')).response
      expect(results.length).toBeGreaterThanOrEqual(2)
      expect(results[0]).toMatchObject({ id: '/ci/runners.md', metadata: { Header2: 'Register a runner' } })
      expect(results[0]!.metadata).not.toHaveProperty('Header3')
      for (const result of results) {
        expect(result.content.toLowerCase()).toContain('register')
        expect(result.content.toLowerCase()).toContain('runner')
      }

      const backups = (await search('restore the backup archive')).response.results
      expect(backups[0]).toMatchObject({
        id: '/administration/backup_restore.md',
        metadata: { Header2: 'Restore a backup' },
      })
    })

    it('returns page_size results at most, 4 by default', async () => {
      const { search } = await setUp()
      // "runner" is in six sections of the fixtures (five of the runners page, one of merge requests).
      expect((await search('runner', { page_size: 20 })).response.results).toHaveLength(6)
      expect((await search('runner')).response.results).toHaveLength(4)
      expect((await search('runner', { page_size: 1 })).response.results).toHaveLength(1)
      const two = (await search('runner', { page_size: 2 })).response.results
      expect(two.map((r) => r.id)).toEqual(
        (await search('runner', { page_size: 20 })).response.results.slice(0, 2).map((r) => r.id),
      )
    })

    it('keeps results while their estimated tokens add up to 8,000 at most', async () => {
      const { search } = await setUp()
      // Three sections of about 2,000 words (2,900 tokens each) mention "fleetwide": two fit.
      const results = (await search('fleetwide', { page_size: 20 })).response.results
      expect(results).toHaveLength(2)
      for (const result of results) {
        expect(result.id).toBe('/administration/fleet_planning.md')
        expect(tokensOf(result.content)).toBeGreaterThan(2700)
      }
      expect(tokensOf(results[0]!.content) + tokensOf(results[1]!.content)).toBeLessThanOrEqual(8000)
      expect((await search('fleetwide', { page_size: 1 })).response.results).toHaveLength(1)
    })

    it('reads punctuation and FTS5 syntax in a question as plain words, never as a query language', async () => {
      const { search } = await setUp()
      const plain = (await search('runner tags', { page_size: 20 })).response.results.map((r) => r.content)
      expect(plain.length).toBeGreaterThan(0)
      for (const query of [
        'runner* tags',
        '"runner" "tags"',
        'runner: tags?',
        '(runner tags',
        'runner) -tags',
        '^runner {tags}',
        'Runner, TAGS.',
      ]) {
        expect(
          (await search(query, { page_size: 20 })).response.results.map((r) => r.content),
          query,
        ).toEqual(plain)
      }
      const hostile = [
        '"unbalanced quote',
        'runner NOT tags',
        'NOT runner',
        'AND',
        'OR OR OR',
        'NEAR(runner tags, 2)',
        'NEAR',
        '-runner',
        '((((runner',
        'metadata:runner',
        '{processed content}: runner',
        'runner + tags',
        '*',
        '""',
        "'; DROP TABLE doc_index; --",
        '',
        '   ',
        '???',
        'a b c',
        '🙂 runner ünïcödé 日本語',
        'runner\u0000tags',
        'runner '.repeat(57_000),
        Array.from({ length: 30_000 }, (_, i) => `w${i}`).join(' '),
        'x'.repeat(400_000),
      ]
      for (const query of hostile) {
        const answer = await search(query)
        expect(Array.isArray(answer.response.results), query.slice(0, 80)).toBe(true)
      }
      // The table is still there.
      expect((await search('runner tags', { page_size: 20 })).response.results.map((r) => r.content)).toEqual(
        plain,
      )
    })

    it('refuses a token without documentation_search (GitLab 18.x tokens do not carry it) with GitLab’s 403', async () => {
      const { post } = await setUp(settings.index, '18.x')
      const response = await post(railsBody('register a runner'))
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual({ detail: 'Unauthorized to search documentations' })
    })

    it('answers 422 to bodies that break the schema, before the scope check', async () => {
      const { post } = await setUp()
      const valid = railsBody('runner')
      const bad: [string, unknown][] = [
        ['not JSON', '{"type":'],
        ['no type', { metadata: valid.metadata, payload: valid.payload }],
        ['type over 100', { ...valid, type: 't'.repeat(101) }],
        ['no metadata', { type: 'search-docs', payload: valid.payload }],
        ['no version', { ...valid, metadata: { source: 'GitLab EE' } }],
        ['source over 100', { ...valid, metadata: { source: 's'.repeat(101), version: '17.11.0' } }],
        ['no payload', { type: 'search-docs', metadata: valid.metadata }],
        ['no query', { ...valid, payload: { page_size: 4 } }],
        ['query over 400,000', { ...valid, payload: { query: 'q'.repeat(400_001) } }],
        ['page_size 0', { ...valid, payload: { query: 'runner', page_size: 0 } }],
        ['page_size 21', { ...valid, payload: { query: 'runner', page_size: 21 } }],
        ['page_size 2.5', { ...valid, payload: { query: 'runner', page_size: 2.5 } }],
        ['query a number', { ...valid, payload: { query: 42 } }],
        ['an array', [valid]],
      ]
      for (const [name, body] of bad) {
        const response = await post(body)
        expect(response.status, name).toBe(422)
        expect(await response.json(), name).toEqual({ detail: 'Validation error' })
      }
      const limits = await post({
        ...valid,
        type: 't'.repeat(100),
        payload: { query: 'runner', page_size: 20 },
      })
      expect(limits.status).toBe(200)

      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer, settings.index))
      const noScope = await instanceToken(issuer, '18.x')
      const response = await gateway.fetch(PATH, {
        method: 'POST',
        headers: gitlabHeaders(noScope),
        body: JSON.stringify({ type: 'x' }),
      })
      expect(response.status).toBe(422)
    })

    it('finds nothing without an index, and says once at start-up how to configure one', async () => {
      const { gateway, search } = await setUp({})
      const answer = await search('register a runner')
      expect(answer.response.results).toEqual([])
      expect(answer.metadata.provider).toBe('sqlite')
      await search('runner')
      const notices = jsonLogs(gateway).filter((line) =>
        String(line.message).includes('Documentation search is off'),
      )
      expect(notices).toHaveLength(1)
      expect(notices[0]).toMatchObject({ level: 'warning' })
      expect(String(notices[0]!.message)).toContain(settings.enableHint)
    })

    it('says nothing about enabling search when an index is configured', async () => {
      const { gateway, search } = await setUp()
      await search('runner')
      expect(
        jsonLogs(gateway).filter((line) => String(line.message).includes('Documentation search is off')),
      ).toEqual([])
    })

    it.runIf(settings.broken !== undefined)(
      'answers a clear 500 when the index cannot be queried, and logs the cause once',
      async () => {
        const { gateway, post } = await setUp(settings.broken)
        const response = await post(railsBody('register a runner'))
        expect(response.status).toBe(500)
        const body = await response.text()
        expect(JSON.parse(body)).toEqual({
          detail: 'Documentation search failed: the documentation index could not be read',
        })
        expect(body).not.toMatch(/doc_index|sqlite|at .*\.ts/i)
        const errors = jsonLogs(gateway).filter((line) => line.level === 'error')
        expect(errors).toHaveLength(1)
        expect(errors[0]).toMatchObject({ message: 'Documentation index query failed' })
        expect(String(errors[0]!.error)).toContain('doc_index')
        expect(JSON.stringify(errors[0])).not.toContain('register a runner')
      },
    )
  })
}
