/** GOOGLE_APPLICATION_CREDENTIALS on Node: the key file becomes the service-account setting. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { withGoogleCredentials } from '../../node-entry/env.ts'

const SETTING = 'AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY'

describe('GOOGLE_APPLICATION_CREDENTIALS', () => {
  it('reads the key file into the service-account setting, unless that is set', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aigw-gcp-')), 'key.json')
    writeFileSync(file, '{"type":"service_account"}')
    expect(withGoogleCredentials({ GOOGLE_APPLICATION_CREDENTIALS: file })[SETTING]).toBe(
      '{"type":"service_account"}',
    )
    expect(
      withGoogleCredentials({ GOOGLE_APPLICATION_CREDENTIALS: file, [SETTING]: '{"inline":true}' })[SETTING],
    ).toBe('{"inline":true}')
    expect(withGoogleCredentials({})[SETTING]).toBeUndefined()
  })

  it('names the variable when the file cannot be read', () => {
    expect(() => withGoogleCredentials({ GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' })).toThrow(
      'GOOGLE_APPLICATION_CREDENTIALS: cannot read the service-account key file at /nonexistent/key.json',
    )
  })
})
