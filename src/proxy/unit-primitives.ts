/**
 * Unit primitives the proxy knows (spec platform §1.7, §5.1). The full enum lives in GitLab's
 * cloud-connector library; this is every name the spec records. An unknown name is a 400
 * `Unknown unit primitive header`, a known one the proxy does not serve a 400 `This endpoint
 * cannot be used for <up> purpose`.
 */

/** The primitives whose features may use /v1/proxy/* (GitLab's FEATURE_CATEGORIES_FOR_PROXY_ENDPOINTS, plus the proxy's own). */
export const PROXY_UNIT_PRIMITIVES: ReadonlySet<string> = new Set([
  'ai_gateway_model_provider_proxy',
  'ask_build',
  'ask_commit',
  'ask_epic',
  'ask_issue',
  'ask_merge_request',
  'categorize_duo_chat_question',
  'documentation_search',
  'duo_chat',
  'explain_code',
  'explain_vulnerability',
  'fill_in_merge_request_template',
  'fix_code',
  'generate_commit_message',
  'generate_cube_query',
  'generate_issue_description',
  'glab_ask_git_command',
  'refactor_code',
  'resolve_vulnerability',
  'review_merge_request',
  'semantic_search_issue',
  'summarize_comments',
  'summarize_issue_discussions',
  'summarize_merge_request',
  'summarize_review',
  'summarize_submitted_review',
  'troubleshoot_job',
  'write_tests',
])

export const KNOWN_UNIT_PRIMITIVES: ReadonlySet<string> = new Set([
  ...PROXY_UNIT_PRIMITIVES,
  'amazon_q_integration',
  'ask_work_item',
  'code_suggestions',
  'complete_code',
  'duo_agent_platform',
  'duo_classic_chat',
  'duo_workflow_execute_workflow',
  'generate_code',
  'generate_embeddings_codebase',
  'include_dependency_context',
  'include_directory_context',
  'include_file_context',
  'include_issue_context',
  'include_local_git_context',
  'include_merge_request_context',
  'include_os_information_context',
  'include_repository_context',
  'include_snippet_context',
  'include_terminal_context',
  'include_agent_user_environment_context',
  'self_hosted_models',
])
