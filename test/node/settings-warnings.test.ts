/**
 * src/settings-warnings.ts on its own: which names it reports, the nearest known name it offers,
 * and the names it must leave alone (every real setting, other programs' variables).
 */
import { describe, expect, it } from 'vitest'
import { AGENT_PLATFORM_SETTING_NAMES as DUO_WORKFLOW_SETTING_NAMES } from '../../src/agent-platform/settings.ts'
import { SETTING_NAMES } from '../../src/config.ts'
import { editDistance, settingWarnings, TOOLING_VARIABLES } from '../../src/settings-warnings.ts'

const GITLAB = { AIGW_GITLAB_URL: 'https://gitlab.example.com' }
const unknown = (env: Record<string, unknown>) =>
  settingWarnings({ ...GITLAB, ...env })
    .filter((w) => w.kind === 'unknown')
    .map((w) => [w.variable, w.suggestion ?? null])

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one step each', () => {
    expect(editDistance('AIGW_GITLAB_URL', 'AIGW_GITLAB_URL')).toBe(0)
    expect(editDistance('AIGW_GITLAB_URLL', 'AIGW_GITLAB_URL')).toBe(1)
    expect(editDistance('AIGW_AUTH_BYPASS', 'AIGW_AUTH__BYPASS')).toBe(1)
    expect(editDistance('AGIW', 'AIGW')).toBe(1)
    expect(editDistance('AIGW_GITLAB_URI', 'AIGW_GITLAB_URL')).toBe(1)
    expect(editDistance('', 'ABC')).toBe(3)
    expect(editDistance('KITTEN', 'SITTING')).toBe(3)
  })
})

describe('settingWarnings', () => {
  it("says nothing about any name the gateway reads, in any case, nor about the suite's own variables", () => {
    const env = Object.fromEntries(
      [...SETTING_NAMES, ...DUO_WORKFLOW_SETTING_NAMES, ...TOOLING_VARIABLES].map((name) => [name, 'x']),
    )
    expect(settingWarnings(env)).toEqual([])
    const lower = Object.fromEntries(
      SETTING_NAMES.filter((n) => n.startsWith('AIGW_')).map((name) => [name.toLowerCase(), 'x']),
    )
    expect(settingWarnings({ ...GITLAB, ...lower })).toEqual([])
  })

  it("leaves other programs' variables alone", () => {
    const others = {
      PATH: '/bin',
      HOME: '/root',
      AWS_PROFILE: 'x',
      NODE_EXTRA_CA_CERTS: '/ca.pem',
      GOOGLE_APPLICATION_CREDENTIALS: '/k.json',
    }
    expect(unknown({ ...others, ASSETS: {} })).toEqual([])
  })

  it('names the nearest known setting for a typo, a dropped underscore, a swapped prefix, a lower-case slip', () => {
    expect(
      unknown({
        AIGW_GITLAB_URLL: 'x',
        AIGW_AUTH_BYPASS_EXTERNAL: 'x',
        AGIW_CUSTOMER_PORTAL_URL: 'x',
        aigw_fastapi__api_prot: 'x',
        AIGW_LOGGING_LEVEL: 'x',
      }),
    ).toEqual([
      ['AIGW_GITLAB_URLL', 'AIGW_GITLAB_URL'],
      ['AIGW_AUTH_BYPASS_EXTERNAL', 'AIGW_AUTH__BYPASS_EXTERNAL'],
      ['AGIW_CUSTOMER_PORTAL_URL', 'AIGW_CUSTOMER_PORTAL_URL'],
      ['aigw_fastapi__api_prot', 'AIGW_FASTAPI__API_PORT'],
      ['AIGW_LOGGING_LEVEL', 'AIGW_LOGGING__LEVEL'],
    ])
  })

  it('reports an AIGW_ name that is close to nothing without guessing', () => {
    const [warning] = settingWarnings({ ...GITLAB, AIGW_TELEMETRY_ENDPOINT_FOR_SOMETHING_ELSE: 'x' })
    expect(warning).toMatchObject({ kind: 'unknown', variable: 'AIGW_TELEMETRY_ENDPOINT_FOR_SOMETHING_ELSE' })
    expect(warning!.suggestion).toBeUndefined()
    expect(warning!.message).toContain('No known setting is close')
  })

  it('checks DUO_WORKFLOW_* names against their own list', () => {
    expect(
      settingWarnings({
        ...GITLAB,
        DUO_WORKFLOW_AUTH__ENABLED: 'false',
        DUO_WORKFLOW_LOGGING__LEVEL: 'debug',
      }),
    ).toEqual([])
    const [warning] = settingWarnings({ ...GITLAB, DUO_WORKFLOW_AUTH__ENABLE: 'false' })
    expect(warning).toMatchObject({
      kind: 'unknown',
      variable: 'DUO_WORKFLOW_AUTH__ENABLE',
      suggestion: 'DUO_WORKFLOW_AUTH__ENABLED',
    })
  })

  it('warns when AIGW_GITLAB_URL is unset or empty, in any case of the name', () => {
    expect(settingWarnings({}).map((w) => [w.kind, w.variable])).toEqual([['unset', 'AIGW_GITLAB_URL']])
    expect(settingWarnings({ AIGW_GITLAB_URL: ' ' }).map((w) => w.kind)).toEqual(['unset'])
    expect(settingWarnings({ aigw_gitlab_url: 'https://gitlab.example.com' })).toEqual([])
  })

  it('says where a name came from, and never repeats a value', () => {
    const env = { ...GITLAB, AIGW_MODEL_KEYS__MISTRAL_APIKEY: 'sk-secret-value' }
    const [warning] = settingWarnings(env, (name) =>
      name === 'AIGW_MODEL_KEYS__MISTRAL_APIKEY' ? '.env' : undefined,
    )
    expect(warning).toMatchObject({ source: '.env', suggestion: 'AIGW_MODEL_KEYS__MISTRAL_API_KEY' })
    expect(warning!.message).toContain('(from .env)')
    expect(JSON.stringify(warning)).not.toContain('sk-secret-value')
  })
})
