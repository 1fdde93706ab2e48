/**
 * The mock upstream's streamed chat completions, shared by the mock (mock-upstream.ts, which sends
 * them) and the rows that check what a gateway made of them (scenarios.ts). Both have 20 events,
 * the first of them the role event with '' as its `delta.content`:
 * - the plain stream (every streamed request but Duo Chat's): `word1 ` … `word19 `;
 * - the ReAct stream (a Duo Chat turn, recognised by its `Thought:` prefill): a thought,
 *   `Action: DirectAnswer`, then `Final Answer:` and the answer in 15 deltas.
 */
export const STREAM_EVENTS = 20

export function deltaContent(index: number): string {
  return index === 0 ? '' : `word${index} `
}

/** The text of the whole stream: what a gateway that passes the deltas through as raw text answers. */
export const STREAM_TEXT = Array.from({ length: STREAM_EVENTS }, (_, i) => deltaContent(i)).join('')

/** The ReAct answer, continuing the prefill `Thought:`. Each answer delta starts with a space, as tokens do. */
const REACT_DELTAS: readonly string[] = [
  '',
  ' The user asks about plain git,',
  ' so no tool is needed.\n',
  'Action: DirectAnswer\n',
  'Final Answer:',
  ' Run',
  ' `git reset --soft HEAD~1`:',
  ' it',
  ' undoes',
  ' the',
  ' last',
  ' commit',
  ' and',
  ' keeps',
  ' its',
  ' changes',
  ' staged,',
  ' ready',
  ' to',
  ' commit again.',
]
if (REACT_DELTAS.length !== STREAM_EVENTS)
  throw new Error('the ReAct stream must have as many events as the plain one')

export function reactDeltaContent(index: number): string {
  return REACT_DELTAS[index] ?? ''
}

/** The final answer the gateway must stream back as `final_answer_delta` texts (the parser trims its ends). */
export const REACT_ANSWER = REACT_DELTAS.slice(REACT_DELTAS.indexOf('Final Answer:') + 1)
  .join('')
  .trim()
