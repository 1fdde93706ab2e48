/**
 * `run_command` in its two forms (spec §8.4, privilege `run_commands`): by default a program and
 * its arguments (`runCommand{program, arguments, flags: []}`), with `&&`, `||` and `|` refused
 * because the client runs no shell; with the client capability `shell_command`, one shell command
 * line (`runShellCommand{command}`). Both are named `run_command`: a session gets exactly one.
 */
import { arg, params, s, ToolError } from './args.ts'
import { clientText } from './client.ts'
import { defineTool } from './define.ts'
import type { AgentTool } from './tool.ts'

export const SHELL_COMMAND_CAPABILITY = 'shell_command'

const OPERATORS = ['&&', '||', '|'] as const

/**
 * Splits an argument string as a POSIX shell would split words: whitespace separates, quotes group
 * (`'...'` literally, `"..."` with `\` escaping `"`, `\`, `$` and `` ` ``), a backslash escapes the
 * next character. GitLab's service splits on whitespace only, which breaks `-m "fix the bug"` into
 * three words; nothing a whitespace split gets right comes out differently here.
 */
export function splitArguments(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (/\s/.test(char)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      continue
    }
    inWord = true
    if (char === "'") {
      const end = text.indexOf("'", i + 1)
      if (end < 0) throw new ToolError('args has an unterminated single quote')
      word += text.slice(i + 1, end)
      i = end
    } else if (char === '"') {
      let j = i + 1
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) j++
        word += text[j]
      }
      if (j >= text.length) throw new ToolError('args has an unterminated double quote')
      i = j
    } else if (char === '\\' && i + 1 < text.length) {
      word += text[++i]
    } else {
      word += char
    }
  }
  if (inWord) words.push(word)
  return words
}

export function operatorRefusal(operator: string): string {
  return `'${operator}' operators are not supported by run_command. Call run_command several times, one program each, instead of using '${operator}'.`
}

const runCommand = defineTool({
  name: 'run_command',
  description:
    'Runs one program in the workspace directory with its arguments and returns its output. Use it only when no other tool can do the ' +
    "job; no shell: no pipes, '&&' or '||'.",
  parameters: params(
    {
      program: s.string("The program to run, e.g. 'npm' or 'pytest'."),
      args: s.string(
        'Its arguments and flags as one string, quoted as in a shell, e.g. \'-v -m "a message"\'.',
      ),
    },
    ['program'],
  ),
  privilege: 'run_commands',
  describe: (args) => `Run command: ${`${String(args.program)} ${String(args.args ?? '')}`.trim()}`,
  offered: (context) => !context.capabilities.has(SHELL_COMMAND_CAPABILITY),
  run: async (args, context) => {
    const program = arg.str(args, 'program') as string
    const rest = arg.str(args, 'args') ?? ''
    for (const operator of OPERATORS)
      if (program.includes(operator) || rest.includes(operator))
        throw new ToolError(operatorRefusal(operator))
    if (program.trim() === '') throw new ToolError('program is empty')
    return clientText(context, {
      runCommand: { program: program.trim(), arguments: splitArguments(rest), flags: [] },
    })
  },
})

const runShellCommand = defineTool({
  name: 'run_command',
  description:
    "Runs a shell command line in the workspace directory (the user's shell) and returns its output. Do not start with 'cd': the working " +
    'directory is already the workspace.',
  parameters: params({ command: s.string("The command line, e.g. 'npm test -- --run src/app.test.ts'.") }, [
    'command',
  ]),
  privilege: 'run_commands',
  describe: (args) => `Run shell command: ${String(args.command)}`,
  offered: (context) => context.capabilities.has(SHELL_COMMAND_CAPABILITY),
  run: async (args, context) => {
    const command = arg.str(args, 'command') as string
    if (command.trim() === '') throw new ToolError('command is empty')
    return clientText(context, { runShellCommand: { command } })
  },
})

/** The default form first: it is the one ListTools describes. */
export const COMMAND_TOOLS: readonly AgentTool[] = [runCommand, runShellCommand]
