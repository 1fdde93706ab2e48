/** Keeps README.md and .env.example true to the code: every setting documented, nothing invented. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SETTING_NAMES } from '../../src/config.ts'
import { ROOT } from './processes.ts'

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8')
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }

describe('documentation', () => {
  it.each(SETTING_NAMES)('README and .env.example document %s', (name) => {
    expect(readme).toContain(`\`${name}\``)
    expect(envExample).toMatch(new RegExp(`^#?${name}=`, 'm'))
  })

  it('documents no AIGW_ setting the gateway does not read', () => {
    const mentioned = new Set([...readme.matchAll(/\bAIGW_[A-Z0-9_]+/g), ...envExample.matchAll(/\bAIGW_[A-Z0-9_]+/g)].map((m) => m[0]))
    // Variables of the test suite and its tools, not of the gateway.
    for (const name of ['AIGW_TEST_REQUIRE_CHROMIUM', 'AIGW_TEST_REQUIRE_BUILDAH', 'AIGW_TEST_REQUIRE_K8S_TOOLS', 'AIGW_HELM', 'AIGW_KUBECTL']) mentioned.delete(name)
    expect([...mentioned].filter((name) => !SETTING_NAMES.includes(name))).toEqual([])
  })

  it('gives the two quick-start commands, and every npm script it names exists', () => {
    expect(readme).toContain('npm ci && npm start')
    expect(readme).toContain('npm ci && npm test')
    for (const [, script] of readme.matchAll(/npm run ([a-z:-]+)/g)) expect(Object.keys(packageJson.scripts)).toContain(script)
  })
})
