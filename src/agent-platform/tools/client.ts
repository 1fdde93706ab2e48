/**
 * Client actions as the local tools use them (spec §5.5): the IDE answers `plainTextResponse
 * {response, error}`; a non-empty `error` fails the tool call, with whatever output came with it.
 */
import type { Action, Outgoing } from '../contract.ts'
import { ToolError } from './args.ts'
import type { ToolContext } from './tool.ts'

export async function clientText(
  context: ToolContext,
  action: Omit<Outgoing<Action>, 'requestID'>,
): Promise<string> {
  const answer = await context.client(action)
  if (answer.error)
    throw new ToolError(answer.response ? `${answer.error}\n${answer.response}` : answer.error)
  return answer.response
}

/** The non-empty lines of a listing. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
}
