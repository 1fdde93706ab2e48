/**
 * Writes index rows in GitLab's `docs.db` schema: a SQLite file (node:sqlite) for Node, or an SQL
 * file that `wrangler d1 execute --file` loads into D1.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import type { IndexRow } from './markdown.ts'

/** GitLab's table, exactly: an administrator can use the index GitLab builds, and the other way round. */
export const CREATE_TABLE =
  "CREATE VIRTUAL TABLE doc_index USING fts5(processed, content, metadata, tokenize='porter trigram')"
export const INSERT_ROW = 'INSERT INTO doc_index (processed, content, metadata) VALUES (?, ?, ?)'
/** GitLab's index marks its format version here. */
export const USER_VERSION = 1

/** Writes a fresh SQLite file; a gateway that has the old one open keeps reading the old one. */
export async function writeDatabase(path: string, rows: readonly IndexRow[]): Promise<void> {
  const { DatabaseSync } = await import('node:sqlite')
  const temporary = `${path}.${process.pid}.tmp`
  rmSync(temporary, { force: true })
  const db = new DatabaseSync(temporary)
  try {
    db.exec(CREATE_TABLE)
    db.exec(`PRAGMA user_version = ${USER_VERSION}`)
    const insert = db.prepare(INSERT_ROW)
    db.exec('BEGIN')
    for (const row of rows) insert.run(row.processed, row.content, JSON.stringify(row.metadata))
    db.exec('COMMIT')
  } finally {
    db.close()
  }
  renameSync(temporary, path)
}

/**
 * The same rows as SQL statements for D1. No PRAGMA (D1 refuses user_version) and no explicit
 * transaction (D1 runs a file as one); strings are plain SQL literals, so statements may span lines.
 */
export function sqlScript(rows: readonly IndexRow[]): string {
  const lines = [
    '-- GitLab documentation index for aigw-edge (npm run docs:index). Load into D1 with:',
    '--   npx wrangler d1 execute <database> --remote --file <this file>',
    'DROP TABLE IF EXISTS doc_index;',
    `${CREATE_TABLE};`,
  ]
  for (const row of rows) {
    lines.push(
      `INSERT INTO doc_index (processed, content, metadata) VALUES (${literal(row.processed)}, ${literal(row.content)}, ${literal(JSON.stringify(row.metadata))});`,
    )
  }
  return `${lines.join('\n')}\n`
}

export function writeSqlScript(path: string, rows: readonly IndexRow[]): void {
  writeFileSync(path, sqlScript(rows))
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
