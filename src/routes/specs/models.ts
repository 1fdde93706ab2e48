/** The model catalogue route's contract (spec features §7.4), and the shape of its answer. */
import * as z from 'zod/mini'
import type { RouteSpec } from '../route.ts'

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

export const MODELS = {
  definitions: {
    method: 'GET',
    path: '/v1/models/definitions',
    public: true,
    doc: {
      summary: 'Model definitions',
      description:
        'The self-hosted model families this gateway serves and, per feature setting, the unit primitives it covers and the ' +
        'families that can be selected. No token needed. GitLab 18.x asks for `/v1/models%2Fdefinitions` (the slash encoded): same answer.',
      tags: ['models'],
      responses: { 200: { description: 'The catalogue', schema: definitionsSchema } },
    },
  },
} as const satisfies Record<string, RouteSpec>
