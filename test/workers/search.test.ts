import { env } from 'cloudflare:workers'
import { beforeAll, inject } from 'vitest'
import { searchContract } from '../contract/search.contract.ts'
import { workersTarget } from './target.ts'

// The fixture index as `npm run docs:index -- --sql` writes it, loaded into the DOCS_DB D1 database.
beforeAll(async () => {
  const db = (env as unknown as { DOCS_DB: D1Database }).DOCS_DB
  await db.batch(sqlStatements(inject('docsIndexSql')).map((statement) => db.prepare(statement)))
})

searchContract(workersTarget, {
  index: { DOCS_DB: 'DOCS_DB' },
  broken: { DOCS_DB: 'DOCS_DB_EMPTY' },
  enableHint: 'DOCS_DB',
})

/** Splits an SQL script at the semicolons outside string literals (its strings span lines). */
function sqlStatements(script: string): string[] {
  const statements: string[] = []
  let quoted = false
  let start = 0
  for (let i = 0; i < script.length; i += 1) {
    if (script[i] === "'") quoted = !quoted
    else if (script[i] === ';' && !quoted) {
      statements.push(script.slice(start, i + 1).trim())
      start = i + 1
    }
  }
  return statements.filter((statement) => statement.replace(/^--.*$/gm, '').trim())
}
