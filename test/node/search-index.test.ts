/**
 * Node only: what `npm run docs:index` writes (GitLab's docs.db schema, and SQL for D1), and how
 * the Node gateway treats its AIGW_DOCS_SEARCH__INDEX_PATH file: an unusable one stops it before
 * it listens, one that breaks later is a clean 500, and an index GitLab built works as is.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { gitlabHeaders, instanceToken, settingsFor } from '../contract/gitlab.ts'
import { gatewayFactory } from '../contract/harness.ts'
import { newIssuer } from '../contract/issuer-client.ts'
import { jsonLogs } from '../contract/target.ts'
import { ROOT } from './processes.ts'
import { nodeTarget } from './target.ts'

const GITLAB_TABLE =
  "CREATE VIRTUAL TABLE doc_index USING fts5(processed, content, metadata, tokenize='porter trigram')"
const SETTING = 'AIGW_DOCS_SEARCH__INDEX_PATH'

const scratch = mkdtempSync(join(tmpdir(), 'aigw-docs-test-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

interface Row {
  processed: string
  content: string
  metadata: string
}

function rowsOf(db: DatabaseSync): Row[] {
  return db
    .prepare('SELECT processed, content, metadata FROM doc_index ORDER BY rowid')
    .all() as unknown as Row[]
}

/** Runs the index command as `npm run docs:index` does. */
function indexCommand(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', 'node-entry/docs-indexer/cli.ts', ...args],
    { cwd: ROOT, encoding: 'utf8' },
  )
}

describe('npm run docs:index', () => {
  const db = new DatabaseSync(inject('docsIndexPath'), { readOnly: true })
  afterAll(() => db.close())
  const rows = rowsOf(db)
  const metadataOf = (row: Row) => JSON.parse(row.metadata) as Record<string, unknown>

  it("writes GitLab's schema: the doc_index FTS5 table, porter trigram, user_version 1", () => {
    const table = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'doc_index'").get() as {
      sql: string
    }
    expect(table.sql).toBe(GITLAB_TABLE)
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 })
    expect(
      (db.prepare('PRAGMA table_info(doc_index)').all() as { name: string }[]).map((c) => c.name),
    ).toEqual(['processed', 'content', 'metadata'])
  })

  it('keeps each section with its front matter, heading path and file name as metadata, and a lower-case punctuation-free corpus', () => {
    expect(rows.length).toBe(22)
    for (const row of rows) {
      const metadata = metadataOf(row)
      expect(metadata.filename).toMatch(/^\/[a-z_/]+\.md$/)
      expect(row.processed).toBe(row.processed.toLowerCase())
      expect(row.processed).toMatch(/^[\p{L}\p{N}_\s]+$/u)
      expect(row.content.trim()).not.toBe('')
    }
    const register = rows
      .map(metadataOf)
      .find((m) => m.Header3 === 'Register a runner with a configuration template')
    expect(register).toEqual({
      stage: 'Verify',
      group: 'Runner',
      title: 'Runners',
      description: 'Machines that pick up CI/CD jobs and run them.',
      Header2: 'Register a runner',
      Header3: 'Register a runner with a configuration template',
      filename: '/ci/runners.md',
    })
    // A `#` line inside fenced code is not a heading; a sixth-level heading stays in its section.
    const troubleshooting = rows.find((row) => metadataOf(row).Header2 === 'Troubleshooting runners')!
    expect(troubleshooting.content).toContain('# Not a heading')
    const plain = rows
      .filter((row) => metadataOf(row).filename === '/development/plain_page.md')
      .map(metadataOf)
    expect(plain).toEqual([
      { filename: '/development/plain_page.md' },
      { Header1: 'Plain page', filename: '/development/plain_page.md' },
      { Header1: 'Plain page', Header5: 'Deep heading', filename: '/development/plain_page.md' },
    ])
    expect(rows.find((row) => metadataOf(row).Header5 === 'Deep heading')!.content).toContain(
      '###### Sixth-level heading stays in the text',
    )
  })

  it('writes SQL that loads the same rows (multi-line strings, quotes and all)', () => {
    const memory = new DatabaseSync(':memory:')
    memory.exec(inject('docsIndexSql'))
    expect(rowsOf(memory)).toEqual(rows)
    memory.close()
    expect(inject('docsIndexSql')).not.toMatch(/PRAGMA|BEGIN|COMMIT/)
  })

  it('cuts a section too large for one D1 statement (100 KB) into pieces with the same metadata', () => {
    const docs = join(scratch, 'big-docs')
    mkdirSync(docs, { recursive: true })
    const paragraph = `${"It's a long paragraph about runners. ".repeat(40)}\n\n`
    writeFileSync(
      join(docs, 'big.md'),
      `---\ntitle: Big\n---\n\n## Huge section\n\n${paragraph.repeat(100)}${'z'.repeat(60_000)}\n`,
    )
    const sqlPath = join(scratch, 'big.sql')
    const result = indexCommand(docs, '--sql', sqlPath)
    expect(result.status, result.stderr).toBe(0)
    const sql = readFileSync(sqlPath, 'utf8')
    const inserts = sql.split('\n').filter((line) => line.startsWith('INSERT'))
    expect(inserts.length).toBeGreaterThan(3)
    for (const insert of inserts) expect(new TextEncoder().encode(insert).length).toBeLessThan(100_000)
    const memory = new DatabaseSync(':memory:')
    memory.exec(sql)
    const pieces = rowsOf(memory)
    expect(new Set(pieces.map((row) => row.metadata))).toEqual(
      new Set([JSON.stringify({ title: 'Big', Header2: 'Huge section', filename: '/big.md' })]),
    )
    expect(
      pieces
        .map((row) => row.content)
        .join('')
        .replace(/\s/g, '').length,
    ).toBe(`## Huge section${paragraph.repeat(100)}${'z'.repeat(60_000)}`.replace(/\s/g, '').length)
    memory.close()
  })

  it('fails with a message for a directory without markdown pages, and for no directory', () => {
    const empty = join(scratch, 'empty')
    mkdirSync(empty, { recursive: true })
    const none = indexCommand(empty, '--out', join(scratch, 'none.db'))
    expect(none.status).toBe(1)
    expect(none.stderr).toContain('no markdown (*.md) files')
    const usage = indexCommand()
    expect(usage.status).toBe(1)
    expect(usage.stderr).toContain('usage: npm run docs:index')
  })
})

describe(`${SETTING} on Node`, () => {
  const start = gatewayFactory(nodeTarget)

  async function searchFor(gatewaySettings: Record<string, string>, query: string) {
    const issuer = await newIssuer()
    const gateway = await start(settingsFor(issuer, gatewaySettings))
    const token = await instanceToken(issuer, '17.x')
    const post = () =>
      gateway.fetch('/v1/search/gitlab-docs', {
        method: 'POST',
        headers: gitlabHeaders(token),
        body: JSON.stringify({
          type: 'search-docs',
          metadata: { source: 'GitLab EE', version: '17.11.0' },
          payload: { query },
        }),
      })
    return { gateway, post }
  }

  it('refuses to start when the setting names a missing file, a non-SQLite file or a database without doc_index', async () => {
    const text = join(scratch, 'not-sqlite.db')
    writeFileSync(
      text,
      'this is not a database, just some text that is long enough to look like a header.'.repeat(20),
    )
    const other = join(scratch, 'other.db')
    const db = new DatabaseSync(other)
    db.exec('CREATE TABLE pages (title TEXT)')
    db.close()
    const plainTable = join(scratch, 'plain-table.db')
    const plain = new DatabaseSync(plainTable)
    plain.exec('CREATE TABLE doc_index (processed TEXT, content TEXT, metadata TEXT)')
    plain.close()
    for (const path of [join(scratch, 'missing', 'docs.db'), text, other, plainTable]) {
      const message = await nodeTarget.startInvalid({ [SETTING]: path })
      expect(message, path).toContain(SETTING)
      expect(message, path).not.toContain(scratch)
    }
  })

  it('answers a clear 500 when the file breaks after start-up, logging the cause once', async () => {
    const path = join(scratch, 'breaks.db')
    copyFileSync(inject('docsIndexPath'), path)
    const { gateway, post } = await searchFor({ [SETTING]: path }, 'register a runner')
    expect((await post()).status).toBe(200)
    writeFileSync(path, Buffer.alloc(64 * 1024, 0x5a))
    const response = await post()
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({
      detail: 'Documentation search failed: the documentation index could not be read',
    })
    const errors = jsonLogs(gateway).filter((line) => line.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ logger: 'search', message: 'Documentation index query failed' })
  })

  it('serves an index built the way GitLab builds its docs.db (one row a page, metadata with the file name only)', async () => {
    const path = join(scratch, 'gitlab-built.db')
    const db = new DatabaseSync(path)
    db.exec(`${GITLAB_TABLE};`)
    db.exec('PRAGMA user_version = 1;')
    const insert = db.prepare('INSERT INTO doc_index (processed, content, metadata) VALUES (?,?,?)')
    const page = '# Runners\n\nThis is how to register a runner: run gitlab-runner register.\n'
    insert.run(
      page.toLowerCase().replace(/[^\p{L}\p{N}_\s]/gu, ''),
      page,
      JSON.stringify({ filename: '/ci/runners/index.md' }),
    )
    insert.run(
      'merge requests',
      '# Merge requests',
      JSON.stringify({ filename: '/user/project/merge_requests/index.md' }),
    )
    db.close()
    const { post } = await searchFor({ [SETTING]: path }, 'How to register a runner?')
    const response = await post()
    expect(response.status).toBe(200)
    const body = (await response.json()) as { response: { results: unknown[] } }
    expect(body.response.results).toEqual([
      { id: '/ci/runners/index.md', content: page, metadata: { filename: '/ci/runners/index.md' } },
    ])
  })
})

// The command's own promise: `npm run docs:index` is the documented way to run it.
it('is wired as npm run docs:index', () => {
  const scripts = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts
  expect(scripts['docs:index']).toContain('node-entry/docs-indexer/cli.ts')
  expect(
    execFileSync(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', 'node-entry/docs-indexer/cli.ts', '--help'],
      { cwd: ROOT, encoding: 'utf8' },
    ),
  ).toContain('usage')
})
