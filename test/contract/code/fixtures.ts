/**
 * What GitLab sends to the code-suggestion routes (../shared/spec/gitlab-client.md §3.1.2, §3.2,
 * §5): the IDE bodies Rails passes through with its self-hosted model fields, and the cloud-shaped
 * v3/v4 bodies with a top-level `model_metadata`. Endpoints are filled in per test.
 */

export const MODEL_KEY = 'sk-model-SECRET-77aa'

/** §3.2: the realistic self-hosted completion body (18.x), `stream` false. */
export function ideCompletion(
  endpoint: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    project_path: 'acme/payments',
    project_id: 42,
    current_file: {
      file_name: 'app/billing.py',
      content_above_cursor: 'def total(items):\n    ',
      content_below_cursor: '\n\nprint(total([]))\n',
    },
    intent: 'completion',
    stream: false,
    context: [{ type: 'file', name: 'app/models.py', content: 'class Item: ...' }],
    model_provider: 'litellm',
    prompt_version: 2,
    prompt: null,
    model_endpoint: endpoint,
    model_name: 'codestral',
    model_api_key: MODEL_KEY,
    model_identifier: 'custom_openai/Codestral-22B-v0.1',
    ...overrides,
  }
}

/** §3.2: the self-hosted generation body (17.x–early 18.x) to /v2/code/generations. */
export function ideGeneration(
  endpoint: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    project_path: 'acme/payments',
    project_id: 42,
    current_file: {
      file_name: 'app/billing.py',
      content_above_cursor: 'import json\n\n# write a function that sums the prices of the items\n',
      content_below_cursor: '',
    },
    intent: 'generation',
    stream: false,
    model_provider: 'litellm',
    prompt: 'write a function that sums the prices of the items',
    model_endpoint: endpoint,
    model_api_key: MODEL_KEY,
    model_name: 'mistral',
    model_identifier: 'custom_openai/Mistral-7B-Instruct-v0.3',
    prompt_version: 2,
    prompt_id: 'code_suggestions/generations',
    ...overrides,
  }
}

/** §3.1.2: the admin health check's "test completion" (self-hosted params over `prompt_version: 1`). */
export function testCompletion(endpoint: string): Record<string, unknown> {
  return {
    prompt_version: 2,
    current_file: { file_name: 'test.rb', content_above_cursor: 'def hello_world', content_below_cursor: '' },
    model_provider: 'litellm',
    prompt: null,
    model_endpoint: endpoint,
    model_name: 'mistral',
    model_api_key: '',
    model_identifier: 'custom_openai/Mistral-7B-Instruct-v0.3',
  }
}

/** §5.2: `model_metadata` as Rails builds it (`provider` `openai` in most versions; `api`, `bedrock`, `vertex_ai` in others). */
export function modelMetadata(
  endpoint: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    provider: 'openai',
    name: 'codestral',
    endpoint,
    api_key: MODEL_KEY,
    identifier: 'custom_openai/Codestral-22B-v0.1',
    ...overrides,
  }
}

const editorPayload = {
  file_name: 'app/billing.py',
  content_above_cursor: 'def total(items):\n    ',
  content_below_cursor: '\n\nprint(total([]))\n',
  language_identifier: 'python',
}

/** v3/v4 completion: a `code_editor_completion` component, optional `code_context` after it, top-level model_metadata. */
export function v3Completion(
  endpoint: string,
  options: { stream?: boolean; context?: string[]; metadata?: Record<string, unknown> } = {},
) {
  return {
    prompt_components: [
      {
        type: 'code_editor_completion',
        payload: { ...editorPayload, stream: options.stream ?? false },
        metadata: { source: 'gitlab-lsp', version: '8.2.0' },
      },
      ...(options.context ?? []).map((content, i) => ({
        type: 'code_context',
        payload: { type: 'file', name: `lib/related_${i}.py`, content },
      })),
    ],
    model_metadata: modelMetadata(endpoint, options.metadata),
  }
}

/** §3.2 cloud-shaped generation: `code_editor_generation` with prompt id, version and the IDE's prompt enhancer. */
export function v3Generation(
  endpoint: string,
  options: { stream?: boolean; promptVersion?: string; metadata?: Record<string, unknown> } = {},
) {
  return {
    prompt_components: [
      {
        type: 'code_editor_generation',
        payload: {
          file_name: 'app/billing.py',
          content_above_cursor: 'import json\n\n# sum the prices of the items\n',
          content_below_cursor: '\nprint(total([]))\n',
          language_identifier: 'python',
          stream: options.stream ?? false,
          prompt_enhancer: {
            examples_array: [
              {
                example: '# add two numbers',
                response: 'def add(a, b):\n    return a + b',
                trigger_type: 'comment',
              },
            ],
            trimmed_content_above_cursor: 'import json\n',
            trimmed_content_below_cursor: '',
            related_files: ['app/models.py\nclass Item:\n    price: int'],
            related_snippets: [],
            libraries: ['requests'],
            user_instruction: 'sum the prices of the items',
          },
          prompt_id: 'code_suggestions/generations',
          prompt_version: options.promptVersion ?? '^1.0.0',
        },
      },
    ],
    model_metadata: modelMetadata(endpoint, {
      name: 'mistral',
      identifier: 'custom_openai/Mistral-7B-Instruct-v0.3',
      ...options.metadata,
    }),
  }
}
