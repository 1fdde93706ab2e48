/**
 * Chat slash commands in a user message (spec §8.2 item 5). The message's first word names the
 * command when it starts with `/` and has no second `/` (so a path such as `/usr/bin/env` stays a
 * message). `/explain`, `/refactor`, `/tests` and `/fix` become an instruction followed by the rest
 * of the text; any other command in the turn's new message is answered at once, without a model
 * call. The web UI handles `/new`, `/clear` and `/reset` itself: they never arrive here.
 */
import Mustache from 'mustache'
import data from './definitions/slash-commands.json' with { type: 'json' }

const COMMANDS: Readonly<Record<string, string>> = data.commands
const RAW = { escape: (value: unknown) => String(value) }

export interface SlashCommand {
  /** Without the slash: `explain`. */
  name: string
  /** The text after the command word, trimmed. */
  rest: string
}

const FIRST_WORD = /^\s*(\/\S*)/

/** The command a message starts with, or undefined when it is an ordinary message. */
export function parseSlashCommand(text: string): SlashCommand | undefined {
  const word = FIRST_WORD.exec(text)?.[1]
  if (!word || word.length === 1 || word.includes('/', 1)) return undefined
  return { name: word.slice(1), rest: text.slice(text.indexOf(word) + word.length).trim() }
}

/** The message as the model reads it: a known command expanded, anything else as it is. */
export function expandSlashCommand(text: string): string {
  const command = parseSlashCommand(text)
  const instruction = command && Object.hasOwn(COMMANDS, command.name) ? COMMANDS[command.name] : undefined
  if (!command || instruction === undefined) return text
  const head = `${instruction} ${data.format_note}`
  return command.rest ? `${head}\n\n${command.rest}` : head
}

/** The reply to a message that starts with a command that does not exist; undefined for any other message. */
export function unknownCommandReply(text: string): string | undefined {
  const command = parseSlashCommand(text)
  if (!command || Object.hasOwn(COMMANDS, command.name)) return undefined
  return Mustache.render(data.unknown, { name: command.name }, {}, RAW)
}
