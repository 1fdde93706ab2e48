/**
 * `GET /v1/models/definitions`, public as in GitLab (spec features §7.4): the models and feature
 * settings this gateway serves, in GitLab's shape. It never changes while the process runs, so
 * the body is built once.
 */
import type { z } from 'zod/mini'
import { EMBEDDING_MODEL, FAMILY_LABELS, FEATURE_SETTINGS } from '../prompts/catalogue.ts'
import { FAMILY_NAMES } from '../models/families.ts'
import type { Route } from './route.ts'
import { definitionsSchema, MODELS } from './specs/models.ts'

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
      ...MODELS.definitions,
      handler: () =>
        new Response(body, {
          headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' },
        }),
    },
  ]
}
