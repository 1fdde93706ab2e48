/**
 * `GET /v1/models/definitions`, public as in GitLab (spec features §7.4): the models and feature
 * settings this gateway serves, in GitLab's shape. It never changes while the process runs, so
 * the body is built once.
 */
import * as z from 'zod/mini'
import { EMBEDDING_MODEL, FAMILY_LABELS, FEATURE_SETTINGS } from '../prompts/catalogue.ts'
import { FAMILY_NAMES } from '../models/families.ts'
import type { Route } from './route.ts'

const modelSchema = z.object({
  name: z.string(),
  identifier: z.string(),
  provider: z.nullable(z.string()),
  deprecation: z.nullable(z.object({ deprecation_date: z.string(), removal_version: z.string() })),
  description: z.nullable(z.string()),
  cost_indicator: z.nullable(z.string()),
})

const featureSchema = z.object({
  feature_setting: z.string(),
  default_model: z.string(),
  default_models: z.array(z.string()),
  models_for_tags: z.record(z.string(), z.string()),
  models_for_size_preference: z.record(z.string(), z.string()),
  selectable_models: z.array(z.string()),
  beta_models: z.array(z.string()),
  deprecated_models: z.array(
    z.object({ identifier: z.string(), deprecation_date: z.string(), removal_version: z.string() }),
  ),
  dev: z.nullable(z.object({ selectable_models: z.array(z.string()) })),
  unit_primitives: z.array(z.string()),
})

export const definitionsSchema = z.object({
  models: z.array(modelSchema),
  unit_primitives: z.array(featureSchema),
})

/** The catalogue: every model family the feature routes accept, plus the embedding model. */
export function modelDefinitions(): z.infer<typeof definitionsSchema> {
  const families = FAMILY_NAMES.map((identifier) => {
    const label = FAMILY_LABELS[identifier]
    return { name: label?.name ?? identifier, identifier, description: label?.description ?? null }
  })
  const selectable = [...FAMILY_NAMES].sort()
  return {
    models: [...families, EMBEDDING_MODEL].map(({ name, identifier, description }) => ({
      name,
      identifier,
      provider: null,
      deprecation: null,
      description,
      cost_indicator: null,
    })),
    unit_primitives: FEATURE_SETTINGS.map((feature) => {
      const defaultModel = selectable.includes(feature.default_model) ? feature.default_model : selectable[0]!
      return {
        feature_setting: feature.feature_setting,
        default_model: defaultModel,
        default_models: [defaultModel],
        models_for_tags: {},
        models_for_size_preference: {},
        selectable_models: selectable,
        beta_models: [],
        deprecated_models: [],
        dev: null,
        unit_primitives: [...feature.unit_primitives],
      }
    }),
  }
}

export function modelRoutes(): Route[] {
  const body = JSON.stringify(modelDefinitions())
  return [
    {
      method: 'GET',
      path: '/v1/models/definitions',
      public: true,
      handler: () =>
        new Response(body, {
          headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' },
        }),
      doc: {
        summary: 'Model definitions',
        description:
          'The self-hosted model families this gateway serves and, per feature setting, the unit primitives it covers and the ' +
          'families that can be selected. No token needed. GitLab 18.x asks for `/v1/models%2Fdefinitions` (the slash encoded): same answer.',
        tags: ['models'],
        responses: { 200: { description: 'The catalogue', schema: definitionsSchema } },
      },
    },
  ]
}
