/**
 * The Dockerfile, checked offline: dockerfile-utils finds no problem (and does find one in a
 * broken copy, so this check is live), and it avoids what Debian 12's buildah 1.28 cannot build.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validate } from 'dockerfile-utils'
import { describe, expect, it } from 'vitest'
import { ROOT } from './processes.ts'

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')

describe('Dockerfile lint', () => {
  it('has no error or warning from dockerfile-utils', () => {
    expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([])
  })

  it('is checked by a linter that reports a broken instruction', () => {
    const broken = dockerfile.replace(/^EXPOSE /m, 'EXPOZE ')
    expect(validate(broken).map((d) => d.message)).toContain('Unknown instruction: EXPOZE')
  })

  it('uses nothing buildah 1.28 rejects (COPY --link, heredoc RUN), and exec forms where the runtime has no shell', () => {
    expect(dockerfile).not.toMatch(/^\s*(COPY|ADD)\s[^\n]*--link/m)
    expect(dockerfile).not.toMatch(/^\s*RUN\s[^\n]*<</m)
    expect(dockerfile).toMatch(/^ARG BASE=node:22-slim$/m)
    expect(dockerfile).toMatch(/^FROM scratch$/m)
    expect(dockerfile).toMatch(/^CMD \[/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*CMD \[/m)
  })
})
