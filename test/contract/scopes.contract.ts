/**
 * The scope helper every route uses (spec §1.7). Until the chat and code routes exist, the
 * 17.x→18.x name mapping is pinned here directly; the user-token suite pins it over HTTP.
 */
import { describe, expect, it } from 'vitest'
import type { AuthContext } from '../../src/auth/auth-context.ts'
import { can, requireAnyScope } from '../../src/auth/scopes.ts'
import { HttpError } from '../../src/errors.ts'

const caller = (scopes: string[], issuer = 'https://gitlab.example.com', bypassed = false): AuthContext => ({
  claims: {},
  scopes,
  issuer,
  realm: 'self-managed',
  globalUserId: 'user',
  bypassed,
  token: undefined,
})

export function scopesContract(runtime: string) {
  describe(`scopes [${runtime}]`, () => {
    it('accepts the names GitLab 17.x puts in tokens', () => {
      expect(can(caller(['code_suggestions']), 'complete_code')).toBe(true)
      expect(can(caller(['code_suggestions']), 'generate_code')).toBe(true)
      expect(can(caller(['duo_chat']), 'duo_classic_chat')).toBe(true)
      expect(can(caller(['duo_chat']), 'duo_chat')).toBe(true)
      // ...but not the other way round, and nothing beyond them.
      expect(can(caller(['duo_classic_chat']), 'duo_chat')).toBe(false)
      expect(can(caller(['complete_code']), 'code_suggestions')).toBe(false)
      expect(can(caller(['code_suggestions']), 'duo_chat')).toBe(false)
    })

    it('refuses disallowed issuers and empty primitives; lets bypassed callers do anything', () => {
      expect(
        can(caller(['generate_code'], 'gitlab-ai-gateway'), 'generate_code', {
          disallowedIssuers: ['gitlab-ai-gateway'],
        }),
      ).toBe(false)
      expect(can(caller(['generate_code']), '')).toBe(false)
      expect(can(caller([], undefined, true), 'explain_vulnerability')).toBe(true)
    })

    it("throws GitLab's 403 with the route's message", () => {
      expect(() =>
        requireAnyScope(caller(['duo_chat']), ['complete_code'], 'Unauthorized to access code completions'),
      ).toThrow(expect.objectContaining({ status: 403, message: 'Unauthorized to access code completions' }))
      const error = (() => {
        try {
          requireAnyScope(caller([]), ['duo_classic_chat'], 'Unauthorized to access duo chat')
        } catch (e) {
          return e as HttpError
        }
      })()
      expect(error).toBeInstanceOf(HttpError)
      expect(error!.body()).toEqual({ detail: 'Unauthorized to access duo chat' })
      expect(() => requireAnyScope(caller(['code_suggestions']), ['complete_code'], 'x')).not.toThrow()
    })
  })
}
