/**
 * GitLab's "direct chat" call: messages the caller wrote itself, sent as they are (v2 code
 * generations with `prompt_version: 3`, the 17.x `/v1/chat/{invokable}` slash commands), with
 * fixed sampling and the family's stop tokens (spec features §2.2, §5.1).
 */
import type { ModelParams } from '../models/families.ts'

export const DIRECT_CHAT = {
  params: { max_tokens: 2048, temperature: 0.2, top_p: 0.95 } satisfies ModelParams,
  timeoutS: 30,
  stop: {
    mistral: ['</new_code>'],
    codegemma: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>'],
  } as Readonly<Record<string, readonly string[]>>,
}
