/**
 * What `GET /v1/models/definitions` lists (spec features §7.4), as data: how each self-hosted
 * model family (src/models/families.ts) is shown, the embedding model, and the feature settings
 * this gateway serves with the unit primitives each covers. Every family is selectable for every
 * feature: a family without its own prompt uses the `base` one.
 */

export interface ModelLabel {
  /** Display name. */
  name: string
  description: string
}

/** Keyed by family name; a family added to families.ts without a row here is listed under its own name. */
export const FAMILY_LABELS: Readonly<Record<string, ModelLabel>> = {
  mistral: {
    name: 'Mistral',
    description: 'Mistral AI instruction models (Mistral 7B and later), self-hosted',
  },
  mixtral: {
    name: 'Mixtral',
    description: 'Mistral AI mixture-of-experts models (Mixtral 8x7B, 8x22B), self-hosted',
  },
  codestral: { name: 'Codestral', description: 'Mistral AI code model, self-hosted' },
  llama3: { name: 'Llama 3', description: 'Meta Llama 3 models, self-hosted' },
  codellama: { name: 'Code Llama', description: 'Meta Code Llama models, self-hosted' },
  codegemma: { name: 'CodeGemma', description: 'Google CodeGemma models, self-hosted' },
  deepseekcoder: { name: 'DeepSeek Coder', description: 'DeepSeek Coder models, self-hosted' },
  gpt: { name: 'GPT', description: 'OpenAI GPT models, through your own endpoint or Azure OpenAI' },
  claude_3: {
    name: 'Claude 3',
    description: 'Anthropic Claude models, through your own endpoint or cloud account',
  },
  general: { name: 'General', description: 'Any other capable chat model (uses the Claude prompts)' },
  gemini: { name: 'Gemini', description: 'Google Gemini models, through your own cloud account' },
  qwen: { name: 'Qwen', description: 'Alibaba Qwen models, self-hosted' },
}

/** The embeddings route's only family (it serves no other feature setting). */
export const EMBEDDING_MODEL: ModelLabel & { identifier: string } = {
  identifier: 'embedding',
  name: 'Embedding model',
  description: 'An OpenAI-compatible embedding model on your model server, for semantic code search',
}

export interface FeatureSetting {
  feature_setting: string
  unit_primitives: readonly string[]
  /** The family shown as the default; requests always name their own model. */
  default_model: string
}

export const FEATURE_SETTINGS: readonly FeatureSetting[] = [
  { feature_setting: 'code_completions', unit_primitives: ['complete_code'], default_model: 'codestral' },
  { feature_setting: 'code_generations', unit_primitives: ['generate_code'], default_model: 'codestral' },
  {
    feature_setting: 'duo_chat',
    unit_primitives: [
      'duo_chat',
      'ask_build',
      'ask_commit',
      'ask_epic',
      'ask_issue',
      'ask_merge_request',
      'ask_work_item',
      'documentation_search',
    ],
    default_model: 'mistral',
  },
  { feature_setting: 'duo_chat_explain_code', unit_primitives: ['explain_code'], default_model: 'mistral' },
  { feature_setting: 'duo_chat_write_tests', unit_primitives: ['write_tests'], default_model: 'mistral' },
  { feature_setting: 'duo_chat_refactor_code', unit_primitives: ['refactor_code'], default_model: 'mistral' },
  { feature_setting: 'duo_chat_fix_code', unit_primitives: ['fix_code'], default_model: 'mistral' },
  {
    feature_setting: 'duo_chat_troubleshoot_job',
    unit_primitives: ['troubleshoot_job'],
    default_model: 'mistral',
  },
  {
    feature_setting: 'duo_chat_summarize_comments',
    unit_primitives: ['summarize_comments'],
    default_model: 'mistral',
  },
  {
    feature_setting: 'duo_chat_explain_vulnerability',
    unit_primitives: ['explain_vulnerability'],
    default_model: 'mistral',
  },
  {
    feature_setting: 'generate_commit_message',
    unit_primitives: ['generate_commit_message'],
    default_model: 'mistral',
  },
  {
    feature_setting: 'generate_description',
    unit_primitives: ['generate_issue_description'],
    default_model: 'mistral',
  },
  {
    feature_setting: 'summarize_new_merge_request',
    unit_primitives: ['summarize_new_merge_request'],
    default_model: 'mistral',
  },
  { feature_setting: 'summarize_review', unit_primitives: ['summarize_review'], default_model: 'mistral' },
  {
    feature_setting: 'review_merge_request',
    unit_primitives: ['review_merge_request'],
    default_model: 'mistral',
  },
  {
    feature_setting: 'resolve_vulnerability',
    unit_primitives: ['resolve_vulnerability'],
    default_model: 'mistral',
  },
  {
    feature_setting: 'glab_ask_git_command',
    unit_primitives: ['glab_ask_git_command'],
    default_model: 'mistral',
  },
  { feature_setting: 'categorize_question', unit_primitives: ['duo_chat'], default_model: 'mistral' },
  {
    feature_setting: 'measure_comment_temperature',
    unit_primitives: ['measure_comment_temperature'],
    default_model: 'mistral',
  },
  // The administrator's "Test connection" (`model_configuration/check`).
  { feature_setting: 'model_configuration', unit_primitives: ['complete_code'], default_model: 'mistral' },
]
