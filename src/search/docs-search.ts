/**
 * Documentation search on a SQLite FTS5 index with GitLab's schema (`doc_index(processed,
 * content, metadata)`), reached through the runtime's `DocsIndex` port: `node:sqlite` on Node,
 * a D1 binding on Workers. The SQL and every rule live here, so both runtimes answer alike.
 */
import { HttpError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import type { DocsIndex } from '../platform.ts'
import { withinBudget } from './budget.ts'
import { matchExpression } from './query.ts'
import type { SearchResult } from './schemas.ts'

/** GitLab's query: best BM25 match first (bm25() is lower for better matches). */
export const SEARCH_SQL =
  'SELECT metadata, content FROM doc_index WHERE processed MATCH ? ORDER BY bm25(doc_index) LIMIT ?'

/** GitLab's provider name for the local index. */
export const PROVIDER = 'sqlite'

export const INDEX_FAILED = 'Documentation search failed: the documentation index could not be read'

export class DocsSearch {
  private readonly index: DocsIndex | undefined
  private readonly log: Logger

  constructor(index: DocsIndex | undefined, logger: Logger) {
    this.index = index
    this.log = logger
  }

  /** The best matches within the token budget; none without an index or without a usable word. */
  async search(
    query: string,
    pageSize: number,
    correlationId?: string,
  ): Promise<{ results: SearchResult[]; total: number; tokens: number }> {
    const expression = matchExpression(query)
    if (!this.index || expression === null) return { results: [], total: 0, tokens: 0 }
    let rows: Record<string, unknown>[]
    try {
      rows = await this.index.all(SEARCH_SQL, [expression, pageSize])
    } catch (error) {
      // SQLite's message (no such table, file is not a database...) helps the operator; the
      // client gets a fixed sentence.
      this.log.error('Documentation index query failed', {
        correlation_id: correlationId,
        error: error instanceof Error ? error.message : String(error),
      })
      throw new HttpError(500, INDEX_FAILED)
    }
    const parsed = rows.flatMap((row) => this.toResult(row))
    const { kept, tokens } = withinBudget(parsed)
    return { results: kept, total: rows.length, tokens }
  }

  /** GitLab's result: `id` is the metadata's `filename`. A row without one is skipped, not a 500. */
  private toResult(row: Record<string, unknown>): SearchResult[] {
    const { content } = row
    const metadata = parseObject(row.metadata)
    if (typeof content !== 'string' || !metadata || typeof metadata.filename !== 'string') {
      this.log.warning('Skipped a documentation index row without content or metadata.filename')
      return []
    }
    return [{ id: metadata.filename, content, metadata }]
  }
}

function parseObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const parsed: unknown = JSON.parse(value)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
