/**
 * The mock upstream's streamed chat completion, shared by the mock (mock-upstream.ts, which sends
 * it) and the rows that check what a gateway made of it (scenarios.ts): 20 events whose
 * `delta.content` is '' (the role event) and then `word1 ` … `word19 `.
 */
export const STREAM_EVENTS = 20

export function deltaContent(index: number): string {
  return index === 0 ? '' : `word${index} `
}

/** The text of the whole stream: what a gateway that passes the deltas through as raw text answers. */
export const STREAM_TEXT = Array.from({ length: STREAM_EVENTS }, (_, i) => deltaContent(i)).join('')
