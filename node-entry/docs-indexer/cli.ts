/**
 * `npm run docs:index -- <docs directory> [--out <file>] [--sql <file>]`: builds the
 * documentation search index from a GitLab docs checkout (the `doc/` directory of
 * gitlab-org/gitlab, or any tree of markdown pages).
 *
 *   --out <file>  the SQLite index for AIGW_DOCS_SEARCH__INDEX_PATH (default docs.db)
 *   --sql <file>  the same index as SQL for D1 (`wrangler d1 execute --file`); with --sql alone,
 *                 no SQLite file is written
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { pageRows, type IndexRow } from './markdown.ts'
import { writeDatabase, writeSqlScript } from './write.ts'

const USAGE = 'usage: npm run docs:index -- <docs directory> [--out <file.db>] [--sql <file.sql>]'

interface Options {
  docs: string
  out: string | undefined
  sql: string | undefined
}

function parseArguments(args: readonly string[]): Options {
  let docs: string | undefined
  let out: string | undefined
  let sql: string | undefined
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!
    if (arg === '--out' || arg === '--sql') {
      const value = args[++i]
      if (!value) fail(`${arg} needs a file name\n${USAGE}`)
      if (arg === '--out') out = value
      else sql = value
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${USAGE}\n`)
      process.exit(0)
    } else if (arg.startsWith('-') || docs !== undefined) fail(`unexpected argument ${arg}\n${USAGE}`)
    else docs = arg
  }
  if (docs === undefined) fail(USAGE)
  return { docs, out: out ?? (sql === undefined ? 'docs.db' : undefined), sql }
}

/** Every `*.md` under the directory, in a stable order (hidden directories skipped). */
function markdownFiles(directory: string): string[] {
  const entries = readdirSync(directory, { withFileTypes: true, recursive: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter(
      (path) =>
        !relative(directory, path)
          .split(sep)
          .some((part) => part.startsWith('.')),
    )
    .sort()
}

function fail(message: string): never {
  process.stderr.write(`docs:index: ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2))
  let files: string[]
  try {
    files = markdownFiles(options.docs)
  } catch (error) {
    fail(`cannot read ${options.docs}: ${(error as Error).message}`)
  }
  if (files.length === 0) fail(`no markdown (*.md) files under ${options.docs}`)
  const rows: IndexRow[] = files.flatMap((path) => {
    const filename = `/${relative(options.docs, path).split(sep).join('/')}`
    return pageRows(filename, readFileSync(path, 'utf8'))
  })
  if (options.out) await writeDatabase(options.out, rows)
  if (options.sql) writeSqlScript(options.sql, rows)
  const written = [options.out, options.sql].filter(Boolean).join(' and ')
  process.stderr.write(
    `docs:index: ${rows.length} sections from ${files.length} pages written to ${written}\n`,
  )
}

await main()
