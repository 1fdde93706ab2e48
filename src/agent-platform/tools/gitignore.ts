/**
 * `.gitignore` pattern matching, the semantics GitLab applies to Duo context exclusion rules and to
 * its own deny-list of sensitive paths: a pattern without a slash matches a name at any depth, one
 * with a slash is anchored at the repository root, `dir/` matches directories only, `*`, `?`,
 * `[...]` and `**` glob, `!` re-includes, and the last matching rule wins. As in git, nothing
 * inside an excluded directory can be re-included (`secrets/` then `!secrets/a` keeps `secrets/a` out).
 */

export interface IgnoreRule {
  /** The rule as written (for messages). */
  pattern: string
  negate: boolean
  dirOnly: boolean
  regex: RegExp
}

function escapeRegex(char: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(char) ? `\\${char}` : char
}

/** `[...]` at `start` (the `[`): the regex class and where it ends, or undefined when unclosed (then `[` is literal). */
function bracket(glob: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1
  let source = '['
  if (glob[i] === '!' || glob[i] === '^') {
    source += '^'
    i++
  }
  if (glob[i] === ']') {
    source += '\\]'
    i++
  }
  for (; i < glob.length; i++) {
    const char = glob[i] as string
    if (char === ']') return { source: `${source}]`, end: i }
    if (char === '\\' && i + 1 < glob.length) {
      source += `\\${glob[++i]}`
      continue
    }
    source += char === '[' || char === '^' ? `\\${char}` : char
  }
  return undefined
}

function globToRegex(glob: string, anchored: boolean): RegExp {
  let source = anchored ? '^' : '^(?:.*/)?'
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string
    if (char === '*' && glob[i + 1] === '*') {
      const atStart = i === 0
      const slashAfter = glob[i + 2] === '/'
      const slashBefore = i > 0 && glob[i - 1] === '/'
      if (atStart && slashAfter) {
        source += '(?:.*/)?' // `**/x`: x at any depth
        i += 2
        continue
      }
      if (slashBefore && i + 2 === glob.length) {
        source += '.*' // `x/**`: everything inside x
        i += 1
        continue
      }
      if (slashBefore && slashAfter) {
        source += '(?:.*/)?' // `a/**/b`: zero or more directories
        i += 2
        continue
      }
      source += '[^/]*' // any other `**` is two stars
      i += 1
      continue
    }
    if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else if (char === '\\' && i + 1 < glob.length) source += escapeRegex(glob[++i] as string)
    else if (char === '[') {
      const klass = bracket(glob, i)
      if (klass) {
        source += klass.source
        i = klass.end
      } else source += '\\['
    } else source += escapeRegex(char)
  }
  return new RegExp(`${source}$`)
}

/** One `.gitignore` line, or undefined for a blank line or a comment. */
export function compileRule(line: string): IgnoreRule | undefined {
  // Trailing spaces are ignored unless escaped with a backslash.
  let text = line.replace(/(?<!\\)\s+$/, '')
  if (text === '' || text.startsWith('#')) return undefined
  let negate = false
  if (text.startsWith('!')) {
    negate = true
    text = text.slice(1)
  } else if (text.startsWith('\\!') || text.startsWith('\\#')) {
    text = text.slice(1)
  }
  let dirOnly = false
  if (text.endsWith('/')) {
    dirOnly = true
    text = text.replace(/\/+$/, '')
  }
  if (text === '') return undefined
  const anchored = text.includes('/')
  text = text.replace(/^\/+/, '')
  return { pattern: line.trim(), negate, dirOnly, regex: globToRegex(text, anchored) }
}

export function compileRules(lines: readonly string[]): IgnoreRule[] {
  return lines.flatMap((line) => {
    const rule = compileRule(line)
    return rule ? [rule] : []
  })
}

/** The rule that decides `path` (relative, `/`-separated), by git's last-match-wins, or undefined. */
function decide(rules: readonly IgnoreRule[], path: string, isDir: boolean): IgnoreRule | undefined {
  let decided: IgnoreRule | undefined
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue
    if (rule.regex.test(path)) decided = rule
  }
  return decided
}

/**
 * The rule that excludes `path`, or undefined when it is not excluded. Each parent directory is
 * checked first: an excluded directory excludes everything under it.
 */
export function ignoredBy(rules: readonly IgnoreRule[], path: string, isDir = false): IgnoreRule | undefined {
  if (rules.length === 0) return undefined
  const parts = path.split('/').filter((part) => part !== '' && part !== '.')
  for (let i = 1; i <= parts.length; i++) {
    const last = i === parts.length
    const rule = decide(rules, parts.slice(0, i).join('/'), !last || isDir)
    if (rule && !rule.negate) return rule
    if (last) return undefined
  }
  return undefined
}
