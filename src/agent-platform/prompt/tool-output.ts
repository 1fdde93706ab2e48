/**
 * How long a tool's output may be for the model (spec §8.4, "Tool-output handling"): cut when a
 * tool returns more than 200 KiB (a whole job log, a huge diff), keeping the first 100 KiB and
 * saying so, so the model knows to ask for less instead of trusting a partial answer. Sizes are
 * UTF-8 bytes, the unit the context-window budget counts, and a cut never splits a character.
 * (The chat's copy, `tool_info.tool_response`, is cut to 4 KiB by ui-log.ts `cutForUi`.)
 */
import { keepStart, tokenBound } from '../../code/context-window.ts'

const KIB = 1024

/** A tool output longer than this, in UTF-8 bytes, is cut for the model. */
export const TOOL_OUTPUT_MAX_BYTES = 200 * KIB
/** What is kept of a cut tool output, in UTF-8 bytes (the notice comes on top). */
export const TOOL_OUTPUT_KEPT_BYTES = 100 * KIB
/** UTF-8 length: `tokenBound` is exactly that (one token per byte is its bound). */
const utf8Bytes = tokenBound

/** The output as the model reads it: as it is up to 200 KiB, else its first 100 KiB and a notice. */
export function truncateToolOutput(output: string): string {
  return toolOutputForModel(output).text
}

/** truncateToolOutput, and the result's size in bytes (what the context-window budget counts), measured once. */
export function toolOutputForModel(output: string): { text: string; bytes: number } {
  const bytes = utf8Bytes(output)
  if (bytes <= TOOL_OUTPUT_MAX_BYTES) return { text: output, bytes }
  const text =
    `${keepStart(output, TOOL_OUTPUT_KEPT_BYTES)}\n\n[Output truncated: the tool returned ${kib(bytes)} KiB, ` +
    `only the first ${kib(TOOL_OUTPUT_KEPT_BYTES)} KiB are shown. ` +
    'Ask for less at a time (a narrower path, filter or page) to see the rest.]'
  return { text, bytes: utf8Bytes(text) }
}

function kib(bytes: number): string {
  return (bytes / KIB).toLocaleString('en-US', { maximumFractionDigits: 0 })
}
