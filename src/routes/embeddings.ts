/**
 * `POST /v1/embeddings/code_embeddings` (also `/index` and `/search`, the same handler): vectors
 * for GitLab's semantic code search, from the self-hosted embedding model the request names
 * (spec features §7.2). The model layer makes the call (SSRF guard, timeout, retries, error
 * mapping); this route validates, checks the unit primitive and shapes GitLab's answer.
 */
import { requireAnyScope } from '../auth/scopes.ts'
import type { Config } from '../config.ts'
import { checkEmbeddingIdentifier, EMBEDDING_FAMILY, embeddingModel } from '../embeddings/request.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { Models } from '../models/models.ts'
import { detailed } from './feature-http.ts'
import { logModelCall } from './respond.ts'
import type { Route } from './route.ts'
import { EMBEDDINGS, EMBEDDINGS_BODY } from './specs/embeddings.ts'

export interface EmbeddingsRouteDeps {
  config: Config
  models: Models
}

const UNIT_PRIMITIVE = 'generate_embeddings_codebase'
const LABELS = { featureCategory: 'global_search', unitPrimitive: UNIT_PRIMITIVE }

export function embeddingsRoutes(deps: EmbeddingsRouteDeps): Route[] {
  const { config, models } = deps
  const prefixes = models.embeddingPrefixes()

  const handler: Route['handler'] = async (c) => {
    const body = await readJsonBody(c, EMBEDDINGS_BODY, detailed(c, config))
    const metadata = embeddingModel(body.model_metadata)
    // GitLab answers 500 here (the check is not caught); a missing scope is a 403 like everywhere else.
    requireAnyScope(c.get('auth'), [UNIT_PRIMITIVE], 'Unauthorized to access code embeddings')
    checkEmbeddingIdentifier(body.model_metadata.identifier, prefixes)
    // GitLab's embedding call: 60 s, one retry, 400, 401 and 429 answered with the upstream's own status and message.
    const request = {
      metadata,
      input: body.contents,
      dimensions: body.dimensions ?? undefined,
      timeoutS: 60,
      retries: 1,
      passOnStatuses: [400, 401, 429],
      labels: LABELS,
    }
    const call = models.embedding(request)
    logModelCall(c, {
      provider: body.model_metadata.provider,
      family: EMBEDDING_FAMILY,
      identifier: metadata.identifier,
      target: call.target,
      labels: LABELS,
    })
    Object.assign(c.get('logContext'), { embedding_inputs: body.contents.length })
    const result = await models.embed(call, request, c.req.raw.signal)
    return c.json({
      // GitLab reports the model family here (`embedding`), not the upstream model.
      model: { engine: 'litellm_embedding', name: metadata.name, identifier: body.model_metadata.identifier },
      predictions: result.embeddings.map(({ embedding, index }) => ({ embedding, index })),
    })
  }

  return EMBEDDINGS.map((spec) => ({ ...spec, handler }))
}
