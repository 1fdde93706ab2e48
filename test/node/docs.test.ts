/**
 * Keeps README.md, docs/ and .env.example true to the code and to each other: every setting
 * documented and nothing invented, every npm script named exists, every relative link and anchor
 * leads somewhere, no internal words, and the copy-paste details that bit operators (a container
 * name the upgrade step stops, the metrics port, a macOS-only command). The commands themselves are
 * run in docs-commands.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AGENT_PLATFORM_SETTING_NAMES } from '../../src/agent-platform/settings.ts'
import { SETTING_NAMES } from '../../src/config.ts'
import { TOOLING_VARIABLES } from '../../src/settings-warnings.ts'
import { ROOT } from './processes.ts'

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
/** Every page an operator reads, by path from the repository root. */
const docPages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))
const PAGES: readonly string[] = ['README.md', 'CHANGELOG.md', ...docPages.map((f) => `docs/${f}`)]
const pages = new Map(PAGES.map((path) => [path, read(path)]))
const readme = pages.get('README.md')!
const settings = read('docs/settings.md')
const envExample = read('.env.example')
const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>
  version: string
  license: string
}
const allText = [...pages.values(), envExample].join('\n')
/** Misspellings the docs show on purpose, as examples of the start-up warning. */
const EXAMPLE_TYPOS = ['AIGW_GITLAB_URLL']

/** The text outside fenced code blocks (headings and links live there). */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '')
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    out.add(count ? `${base}-${count}` : base)
  }
  return out
}

describe('documentation', () => {
  it.each(SETTING_NAMES)('the settings reference and .env.example document %s', (name) => {
    expect(settings).toContain(`\`${name}\``)
    expect(envExample).toMatch(new RegExp(`^#?${name}=`, 'm'))
  })

  it.each(AGENT_PLATFORM_SETTING_NAMES)(
    'the settings reference and .env.example document the Agent Platform setting %s',
    (name) => {
      expect(settings).toContain(`\`${name}\``)
      expect(envExample).toMatch(new RegExp(`^#?${name}=`, 'm'))
    },
  )

  it('mentions no AIGW_ or DUO_WORKFLOW_ setting the gateway does not read (a NAME_* prefix must be one some setting has)', () => {
    const known = [...SETTING_NAMES, ...AGENT_PLATFORM_SETTING_NAMES]
    const invented: string[] = []
    for (const [match] of allText.matchAll(/\b(?:AIGW|DUO_WORKFLOW)_[A-Z0-9_]+\*?/g)) {
      if (match.endsWith('*')) {
        if (!known.some((name) => name.startsWith(match.slice(0, -1)))) invented.push(match)
      } else if (![...known, ...TOOLING_VARIABLES, ...EXAMPLE_TYPOS].includes(match)) invented.push(match)
    }
    expect([...new Set(invented)]).toEqual([])
  })

  it('lists every Agent Platform metric the Node entry registers, on the operations page', () => {
    const source = read('node-entry/agent-platform/prometheus.ts')
    const names = [
      ...new Set(
        [...source.matchAll(/'((?:agent_platform|duo_workflow|executor)_[a-z_]+)'/g)].map((m) => m[1]!),
      ),
    ]
    expect(names.length).toBeGreaterThanOrEqual(10)
    const operations = pages.get('docs/operations.md')!
    expect(names.filter((name) => !operations.includes(`\`${name}\``))).toEqual([])
  })

  it('gives the two quick-start commands, and every npm script the pages name exists', () => {
    expect(readme).toContain('npm ci && npm start')
    expect(readme).toContain('npm ci && npm test')
    for (const [, script] of allText.matchAll(/npm run ([a-z:-]+)/g))
      expect(Object.keys(packageJson.scripts)).toContain(script)
  })

  it('every relative link leads to a file, and every #anchor to a heading of its page', () => {
    const broken: string[] = []
    for (const [path, markdown] of pages) {
      const text = prose(markdown).replace(/`[^`\n]*`/g, '')
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue
        const [file, anchor] = target!.split('#') as [string, string | undefined]
        const resolved = file ? join(dirname(join(ROOT, path)), file) : join(ROOT, path)
        if (!existsSync(resolved)) broken.push(`${path}: ${target} (no such file)`)
        else if (
          anchor !== undefined &&
          resolved.endsWith('.md') &&
          !anchors(readFileSync(resolved, 'utf8')).has(anchor)
        ) {
          broken.push(`${path}: ${target} (no heading ${relative(ROOT, resolved)}#${anchor})`)
        }
      }
    }
    expect(broken).toEqual([])
  })

  it('the README stays short and links every page of docs/', () => {
    expect(readme.split('\n').length).toBeLessThan(200)
    for (const page of PAGES.filter((p) => p.startsWith('docs/'))) expect(readme).toContain(`](${page})`)
  })

  it('long pages open with a table of contents', () => {
    for (const [path, markdown] of pages) {
      if (path === 'CHANGELOG.md' || markdown.split('\n').length < 80) continue
      const firstSection = markdown.indexOf('\n## ')
      const contents = [...markdown.slice(0, firstSection).matchAll(/\]\(#/g)].length
      expect(contents, path).toBeGreaterThanOrEqual(3)
    }
  })

  it('release story: LICENSE is the licence package.json names, CHANGELOG has Unreleased and the current version', () => {
    expect(packageJson.license).toBe('MIT')
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /)
    const changelog = pages.get('CHANGELOG.md')!
    expect(changelog).toMatch(/^## Unreleased$/m)
    expect(changelog).toMatch(
      new RegExp(`^## ${packageJson.version.replaceAll('.', '\\.')} - \\d{4}-\\d{2}-\\d{2}$`, 'm'),
    )
  })

  it('no internal words: issue or turn numbers', () => {
    for (const [path, markdown] of [...pages, ['bench/README.md', read('bench/README.md')] as const]) {
      expect(markdown, path).not.toMatch(/\b(issue|turn)s? #?\d+\b(?![.,]\d)|\bthe issue's\b/i)
    }
  })

  it('copy-paste: the container the upgrade step stops is the one docker run names, with the metrics port; no macOS-only open', () => {
    const install = pages.get('docs/install.md')!
    const run = /docker run [^\n]*(?:\\\n[^\n]*)*/.exec(install)![0]
    const name = /--name (\S+)/.exec(run)?.[1]
    expect(name).toBeDefined()
    expect(run).toContain('-p 5052:5052')
    expect(run).toContain('-p 8082:8082')
    for (const [, stopped] of allText.matchAll(/docker (?:stop|rm|exec) ([a-z][\w.-]*)/g))
      expect(stopped).toBe(name)
    for (const [path, markdown] of pages) {
      for (const [block] of markdown.matchAll(/^```(?:sh|shell|bash)\n[\s\S]*?^```/gm))
        expect(block, path).not.toMatch(/^\s*open /m)
    }
  })
})
