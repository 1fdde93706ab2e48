/**
 * The Node side of documentation search: the SQLite file named by AIGW_DOCS_SEARCH__INDEX_PATH,
 * opened read-only with `node:sqlite` (FTS5 and the trigram tokenizer are built in), behind the
 * core's `DocsIndex` port. A setting that names no usable index stops the gateway before it
 * listens, like every other invalid setting; no setting turns search off, with one log line.
 */
import type { StatementSync } from 'node:sqlite'
import { ConfigError, type Config } from '../src/config.ts'
import type { Logger } from '../src/logging.ts'
import type { DocsIndex } from '../src/platform.ts'
import { SEARCH_SQL } from '../src/search/docs-search.ts'

export const INDEX_SETTING = 'AIGW_DOCS_SEARCH__INDEX_PATH'

export interface OpenDocsIndex {
  index: DocsIndex
  close(): void
}

/** @throws ConfigError naming the setting when the file cannot be opened or has no usable `doc_index`. */
export async function openDocsIndex(config: Config): Promise<OpenDocsIndex | undefined> {
  const path = config.docsSearch.indexPath
  if (path === null) return undefined
  // Imported only when configured: loading node:sqlite prints an "experimental" warning on Node 22.
  const { DatabaseSync } = await import('node:sqlite')
  let db: InstanceType<typeof DatabaseSync>
  try {
    db = new DatabaseSync(path, { readOnly: true })
  } catch (error) {
    throw new ConfigError([`${INDEX_SETTING}: cannot open the documentation index file (${reason(error)})`])
  }
  try {
    // The search statement itself, once: proves the file is SQLite, has GitLab's `doc_index`
    // FTS5 table with its columns, and that its tokenizer is available.
    db.prepare(SEARCH_SQL).all('"gitlab"', 1)
  } catch (error) {
    db.close()
    throw new ConfigError([
      `${INDEX_SETTING}: the file is not a documentation index with a doc_index FTS5 table (${reason(error)}); build one with npm run docs:index`,
    ])
  }
  const statements = new Map<string, StatementSync>()
  return {
    index: {
      async all(sql, params) {
        let statement = statements.get(sql)
        if (!statement) {
          statement = db.prepare(sql)
          statements.set(sql, statement)
        }
        return statement.all(...params) as Record<string, unknown>[]
      },
    },
    close: () => db.close(),
  }
}

/** One start-up line saying whether documentation search is on, and how to turn it on. */
export function logDocsIndex(logger: Logger, opened: OpenDocsIndex | undefined): void {
  if (opened) logger.info('Documentation search index opened', { setting: INDEX_SETTING })
  else
    logger.warning(
      `Documentation search is off: /v1/search/gitlab-docs answers with no results. Set ${INDEX_SETTING} to an index built with npm run docs:index to turn it on`,
    )
}

// SQLite's own words ("unable to open database file", "no such table: doc_index"): no internals.
function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
