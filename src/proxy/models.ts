/**
 * The models each proxy upstream may be asked for: GitLab's allow-lists at the spec's snapshot
 * (spec platform §5.2–§5.4; GitLab derives them from its model catalogue, this is data too).
 */
export const ANTHROPIC_PROXY_MODELS: ReadonlySet<string> = new Set([
  'claude-opus-4-5-20251101',
  'claude-opus-4-6',
  'claude-fable-5',
  'claude-opus-4-7',
  'claude-opus-4-8',
  'claude-opus-5',
  'claude-sonnet-5',
  'claude-sonnet-4-6',
  'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5-20251001',
])

export const OPENAI_PROXY_MODELS: ReadonlySet<string> = new Set([
  'gpt-5.6-sol',
  'gpt-5.6-terra',
  'gpt-5.6-luna',
  'gpt-5.5-2026-04-23',
  'gpt-5.4-2026-03-05',
  'gpt-5.2-2025-12-11',
  'gpt-5.1-2025-11-13',
  'gpt-5-mini-2025-08-07',
  'gpt-5.4-mini',
  'gpt-5.4-nano',
  'gpt-5',
  'gpt-5.1',
  'gpt-5.3-codex',
])

export const VERTEX_PROXY_MODELS: ReadonlySet<string> = new Set([
  'code-bison',
  'code-bison@002',
  'text-bison',
  'text-bison@002',
  'chat-bison',
  'codechat-bison',
  'text-embedding-005',
  'codestral-2501',
  'codestral-2508',
  'gemini-2.5-flash',
  'claude-sonnet-4-5@20250929',
])
