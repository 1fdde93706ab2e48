/**
 * The model an Agentic Chat session calls: what GitLab's `x-gitlab-agent-platform-model-metadata`
 * header names (spec §4.2), with the HTTP gateway's rules for families, identifiers, endpoints and
 * keys. GitLab's service ignores a header that is not JSON and then reaches for a GitLab-managed
 * model this service cannot call; here every unusable header is a `ModelNotConfigured` the chat
 * shows, saying what to fix in GitLab.
 */
import { ValidationError } from '../errors.ts'
import { parseModelMetadata, type SelfHostedModel } from '../models/metadata.ts'
import type { Metadata } from './service.ts'

export const MODEL_METADATA_HEADER = 'x-gitlab-agent-platform-model-metadata'

/** The session has no model it can call: the text says why, for the user and the administrator. */
export class ModelNotConfigured extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ModelNotConfigured'
  }
}

const CONFIGURE =
  'Select a self-hosted model for "GitLab Duo Agent Platform - Agentic Chat" in the Admin area (GitLab Duo Self-Hosted)'

/** @throws ModelNotConfigured */
export function sessionModel(metadata: Metadata): SelfHostedModel {
  const header = metadata[MODEL_METADATA_HEADER]?.trim()
  if (!header)
    throw new ModelNotConfigured(`Agentic Chat has no model configured for self-hosted use. ${CONFIGURE}.`)
  let value: unknown
  try {
    value = JSON.parse(header)
  } catch {
    throw new ModelNotConfigured(
      `GitLab sent model settings this service cannot read (not JSON). ${CONFIGURE}.`,
    )
  }
  try {
    const model = parseModelMetadata(value)
    if (!model)
      throw new ModelNotConfigured(`Agentic Chat has no model configured for self-hosted use. ${CONFIGURE}.`)
    return model
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ModelNotConfigured(`The Agentic Chat model settings cannot be used: ${error.message}`)
    throw error
  }
}
