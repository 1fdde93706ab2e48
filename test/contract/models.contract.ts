/**
 * `GET /v1/models/definitions` (spec features §7.4): public, GitLab's shape, and a catalogue that
 * matches what the feature routes accept (every family the code routes take is listed, and every
 * listed family is taken). GitLab 18.x asks for it with the slash percent-encoded.
 */
import { describe, expect, it } from 'vitest'
import { v3Completion } from './code/fixtures.ts'
import { codeSetup } from './code/harness.ts'
import { gitlabHeaders } from './gitlab.ts'
import type { Target } from './target.ts'

const PATH = '/v1/models/definitions'

interface Definitions {
  models: Record<string, unknown>[]
  unit_primitives: Record<string, unknown>[]
}

export function modelsContract(target: Target) {
  describe(`model definitions [${target.runtime}]`, () => {
    const setUp = codeSetup(target)

    it("answers without a token, in GitLab's shape, the same every time", async () => {
      const { gateway } = await setUp()
      const response = await gateway.fetch(PATH)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const body = (await response.json()) as Definitions
      expect(Object.keys(body).sort()).toEqual(['models', 'unit_primitives'])
      expect(body.models.length).toBeGreaterThan(0)
      for (const model of body.models) {
        expect(Object.keys(model).sort()).toEqual([
          'cost_indicator',
          'deprecation',
          'description',
          'identifier',
          'name',
          'provider',
        ])
        expect(model).toMatchObject({
          name: expect.any(String),
          identifier: expect.any(String),
          provider: null,
          deprecation: null,
          cost_indicator: null,
        })
        expect(typeof model.description).toBe('string')
      }
      expect(body.models).toContainEqual(
        expect.objectContaining({ identifier: 'codestral', name: 'Codestral' }),
      )
      expect(body.models).toContainEqual(expect.objectContaining({ identifier: 'embedding' }))

      const identifiers = new Set(body.models.map((m) => m.identifier))
      expect(identifiers.size).toBe(body.models.length)
      for (const feature of body.unit_primitives) {
        expect(Object.keys(feature).sort()).toEqual([
          'beta_models',
          'default_model',
          'default_models',
          'deprecated_models',
          'dev',
          'feature_setting',
          'models_for_size_preference',
          'models_for_tags',
          'selectable_models',
          'unit_primitives',
        ])
        expect(feature).toMatchObject({
          beta_models: [],
          deprecated_models: [],
          dev: null,
          models_for_tags: {},
          models_for_size_preference: {},
        })
        const selectable = feature.selectable_models as string[]
        expect(selectable).toEqual([...selectable].sort())
        for (const id of selectable) expect(identifiers.has(id), id).toBe(true)
        expect(selectable).toContain(feature.default_model)
        expect(feature.default_models).toEqual([feature.default_model])
        expect((feature.unit_primitives as string[]).length).toBeGreaterThan(0)
      }
      const features = new Map(body.unit_primitives.map((f) => [f.feature_setting, f.unit_primitives]))
      expect(features.get('code_completions')).toEqual(['complete_code'])
      expect(features.get('code_generations')).toEqual(['generate_code'])
      expect(features.get('duo_chat')).toContain('duo_chat')
      for (const feature of [
        'duo_chat_explain_code',
        'generate_commit_message',
        'summarize_review',
        'review_merge_request',
      ])
        expect(features.has(feature), feature).toBe(true)

      const again = await gateway.fetch(PATH, { headers: { Authorization: 'Bearer not-a-token' } })
      expect(again.status).toBe(200)
      expect(await again.json()).toEqual(body)
      const posted = await gateway.fetch(PATH, { method: 'POST' })
      expect(posted.status).toBe(405)
      expect(posted.headers.get('allow')).toContain('GET')
    })

    it('lists exactly the families the code routes accept, and each of them is accepted', async () => {
      const { gateway, post, endpoint } = await setUp({ AIGW_MOCK_MODEL_RESPONSES: 'true' })
      const body = (await (await gateway.fetch(PATH)).json()) as Definitions
      const listed = body.unit_primitives.find((f) => f.feature_setting === 'code_completions')!
        .selectable_models as string[]

      // The code routes name the families they take when given one they do not.
      const refused = await post(
        '/v3/code/completions',
        v3Completion(endpoint, { metadata: { name: 'no-such-family' } }),
      )
      expect(refused.status).toBe(422)
      const { detail } = (await refused.json()) as { detail: string }
      const accepted = /use one of (.+)$/.exec(detail)?.[1]?.split(', ')
      expect(accepted, detail).toBeDefined()
      expect([...accepted!].sort()).toEqual(listed)
      for (const id of listed) expect(body.models.map((m) => m.identifier)).toContain(id)

      for (const name of listed) {
        const response = await post('/v3/code/completions', v3Completion(endpoint, { metadata: { name } }))
        expect(response.status, name).toBe(200)
      }
    })

    it('answers /v1/models%2Fdefinitions (GitLab 18.x encodes the slash) exactly as /v1/models/definitions', async () => {
      const { gateway } = await setUp()
      const snapshot = async (path: string, init?: RequestInit) => {
        const response = await gateway.fetch(path, init)
        return {
          status: response.status,
          type: response.headers.get('content-type'),
          cache: response.headers.get('cache-control'),
          allow: response.headers.get('allow'),
          body: await response.text(),
        }
      }
      const plain = await snapshot(PATH)
      expect(plain.status).toBe(200)
      for (const path of [
        '/v1/models%2Fdefinitions',
        '/v1/models%2fdefinitions',
        '//v1/models%2Fdefinitions',
        '/v1/models%2Fdefinitions?x=1',
      ]) {
        expect(await snapshot(path), path).toEqual(plain)
      }
      // No token needed either way, and the wrong method is answered the same.
      expect(await snapshot('/v1/models%2Fdefinitions', { method: 'POST' })).toEqual(
        await snapshot(PATH, { method: 'POST' }),
      )
    })

    it('opens no other route through an encoded slash: those paths stay unknown (401 without a token, 404 with one)', async () => {
      const { gateway, token } = await setUp()
      const paths = [
        '/v2/chat%2Fagent',
        '/v1%2Fchat/agent',
        '/v1/code%2Fuser_access_token',
        '/v1/models%252Fdefinitions',
        '/v1/models%2Fdefinitions%2F',
        '/v1/models%2F%2Fdefinitions',
        '/monitoring%2Fhealthz',
      ]
      for (const path of paths) {
        const anonymous = await gateway.fetch(path, { method: 'POST' })
        expect(anonymous.status, path).toBe(401)
        const known = await gateway.fetch(path, { method: 'POST', headers: gitlabHeaders(token), body: '{}' })
        expect([known.status, await known.json()], path).toEqual([404, { detail: 'Not Found' }])
      }
    })
  })
}
