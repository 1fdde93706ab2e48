/**
 * Every prompt version constraint GitLab Rails sends for self-hosted features resolves (gitlab-client
 * §3.6; rails-versions.ts): `^1.0.0` for most, `^2.0.0` for summarize_review and
 * summarize_new_merge_request, `^2.0.1` for code generations (Rails 18.9, v3/v4). GitLab's
 * resolution is kept: the newest stable version the constraint allows, and the 400 listing the
 * versions when none does.
 */
import satisfies from 'semver/functions/satisfies.js'
import { describe, expect, it } from 'vitest'
import { FAMILY_NAMES, findFamily } from '../../../src/models/families.ts'
import { builtInPrompts } from '../../../src/prompts/built-in.ts'
import { v3Generation } from '../code/fixtures.ts'
import { answers, codeSetup } from '../code/harness.ts'
import { CASES } from '../prompt-definitions.cases.ts'
import { jsonLogs, type Gateway, type Target } from '../target.ts'
import { invokeBody, promptMetadata } from './fixtures.ts'
import { RAILS_CONSTRAINTS, railsConstraints } from './rails-versions.ts'

const GENERATIONS = 'code_suggestions/generations'

/** The scopes of an instance whose admins enabled every feature below. */
const SCOPES = [...new Set(['generate_code', ...Object.values(CASES).map((c) => c.unitPrimitive)])]

/** The `id/dir@version` the access log names for the n-th request. */
function promptsAnswered(gateway: Gateway): string[] {
  return jsonLogs(gateway)
    .filter((line) => line.logger === 'api.access')
    .map((line) => String(line.prompt_id))
}

const versionOf = (label: string) => label.slice(label.lastIndexOf('@') + 1)

export function railsVersionsContract(target: Target) {
  describe(`prompt versions Rails 18.9 asks for [${target.runtime}]`, () => {
    const setUp = codeSetup(target)

    it('lists ^1.0.0, ^2.0.0 and ^2.0.1 as what Rails sends', () => {
      expect(RAILS_CONSTRAINTS.sort()).toEqual(['^1.0.0', '^2.0.0', '^2.0.1'])
    })

    it('resolves every constraint for every prompt and every family, to a version the constraint allows', () => {
      const prompts = builtInPrompts()
      for (const id of prompts.ids()) {
        for (const name of FAMILY_NAMES) {
          for (const constraint of railsConstraints(id, name)) {
            const where = `${id} / ${name} / ${constraint}`
            const definition = prompts.resolve(id, findFamily(name)!, constraint)
            expect(satisfies(definition.version, constraint), `${where} → ${definition.version}`).toBe(true)
          }
        }
      }
    })

    it('^1.0.0 and ^2.0.0: /v1/prompts answers each prompt Rails sends with a version the constraint allows', async () => {
      const { server, endpoint, post, gateway } = await setUp({}, '18.x', { scopes: SCOPES })
      await server.script(answers('Done.'))
      const asked: string[] = []
      // mistral has prompt directories of its own and Rails entries at ^1.0.0; gemini has neither.
      for (const family of ['mistral', 'gemini']) {
        for (const [id, { inputs }] of Object.entries(CASES)) {
          for (const constraint of railsConstraints(id, family)) {
            const model_metadata = promptMetadata(endpoint, { name: family })
            const body = invokeBody(endpoint, inputs, { prompt_version: constraint, model_metadata })
            const response = await post(`/v1/prompts/${encodeURIComponent(id)}`, body)
            expect([response.status, await response.json()], `${id} / ${family} / ${constraint}`).toEqual([
              200,
              'Done.',
            ])
            asked.push(constraint)
          }
        }
      }
      expect(new Set(asked)).toEqual(new Set(['^1.0.0', '^2.0.0']))
      const answered = promptsAnswered(gateway)
      expect(answered).toHaveLength(asked.length)
      for (const [i, label] of answered.entries())
        expect(satisfies(versionOf(label), asked[i]!), `${label} for ${asked[i]}`).toBe(true)
      expect(answered).toContain('summarize_review/base@2.1.0')
      expect(answered).toContain('summarize_new_merge_request/base@2.1.0')
      expect(answered).toContain('summarize_review/base@1.0.0')
    })

    it('^2.0.1: a v3 or v4 generation gets the base prompt (2.0.1) on base families and its own on the others', async () => {
      const { server, endpoint, post, gateway } = await setUp({}, '18.x', { scopes: SCOPES })
      await server.script(answers('return sum(item.price for item in items)'))
      const cases: [string, string, string][] = [
        ['general', 'Code Generations Agent', `${GENERATIONS}/base@2.0.1`],
        ['gemini', 'Code Generations Agent', `${GENERATIONS}/base@2.0.1`],
        ['qwen', 'Code Generations Agent', `${GENERATIONS}/base@2.0.1`],
        ['mistral', 'Mistral 7B Code Generations', `${GENERATIONS}/mistral@1.0.0`],
        ['codestral', 'Codestral 22B Code Generations', `${GENERATIONS}/codestral@1.0.0`],
      ]
      for (const path of ['/v3/code/completions', '/v4/code/suggestions']) {
        for (const [family, name] of cases) {
          const response = await post(
            path,
            v3Generation(endpoint, { promptVersion: '^2.0.1', metadata: { name: family } }),
          )
          const body = (await response.json()) as {
            model?: { engine: string; name: string }
            choices?: { text: string }[]
          }
          expect([response.status, body.model], `${path} ${family}`).toEqual([
            200,
            { engine: 'agent', name, lang: 'python' },
          ])
          expect(body.choices?.[0]?.text).toContain('sum(item.price')
        }
      }
      expect(promptsAnswered(gateway)).toEqual([...cases, ...cases].map(([, , label]) => label))
    })

    it('answers a constraint no version satisfies with the 400 that lists the versions, on every route', async () => {
      const { server, endpoint, post } = await setUp({}, '18.x', { scopes: SCOPES })
      await server.script(answers('never'))
      const reviewBody = invokeBody(endpoint, CASES.summarize_review!.inputs, { prompt_version: '^3.0.0' })
      const review = await post('/v1/prompts/summarize_review', reviewBody)
      expect([review.status, await review.json()]).toEqual([
        400,
        {
          detail:
            "No version matching '^3.0.0' for prompt 'summarize_review' (model family 'mistral'); available: 1.0.0, 2.0.0, 2.1.0",
        },
      ])
      const generation = await post(
        '/v4/code/suggestions',
        v3Generation(endpoint, { promptVersion: '^2.0.2', metadata: { name: 'general' } }),
      )
      expect([generation.status, await generation.json()]).toEqual([
        400,
        {
          detail:
            "No version matching '^2.0.2' for prompt 'code_suggestions/generations' (model family 'general'); available: 1.2.0, 2.0.1",
        },
      ])
      expect(await server.requests()).toEqual([])
    })
  })
}
