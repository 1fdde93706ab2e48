/**
 * The IDE's local tools and run_command (spec §8.4, §5.5) against a scripted client: the exact
 * action each tool sends, how the client's answers are read (errors, "no matches", read_files'
 * JSON), path refusals made without sending anything, and exclusion-rule filtering of results.
 */
import { describe, expect, it } from 'vitest'
import { operatorRefusal } from '../../src/agent-platform/tools/command.ts'
import { toolsFor } from '../../src/agent-platform/tools/registry.ts'
import type { ClientResponse, ToolOutcome } from '../../src/agent-platform/tools/tool.ts'
import { toolHarness, type ClientAction } from '../fakes/tool-context.ts'

const IDE_PRIVILEGES = [
  'read_write_files',
  'read_only_gitlab',
  'read_write_gitlab',
  'run_commands',
  'use_git',
  'run_mcp_tools',
]

/** A client that answers each action kind from a table (a function for anything more). */
function setup(
  answers: Record<string, ClientResponse | ((action: ClientAction) => ClientResponse)>,
  options: { exclusionRules?: string[]; capabilities?: string[] } = {},
) {
  const harness = toolHarness({
    ...options,
    client: (action) => {
      const kind = Object.keys(action)[0] as string
      const answer = answers[kind]
      if (!answer) throw new Error(`unexpected action ${kind}`)
      return typeof answer === 'function' ? answer(action) : answer
    },
  })
  const tools = toolsFor({ privileges: IDE_PRIVILEGES, capabilities: options.capabilities ?? [] })
  const run = (name: string, args: Record<string, unknown>): Promise<ToolOutcome> => {
    const found = tools.find((t) => t.name === name)
    if (!found) throw new Error(`no tool ${name}`)
    return found.run(args, harness.context)
  }
  return { ...harness, run }
}

const ok = (response: string): ClientResponse => ({ response, error: '' })

describe('file tools', () => {
  it('read_file sends runReadFile and returns the text', async () => {
    const { run, clientActions } = setup({ runReadFile: ok('puts 1\n') })
    expect(await run('read_file', { file_path: 'src/app.rb' })).toEqual({ content: 'puts 1\n' })
    expect(clientActions).toEqual([{ runReadFile: { filepath: 'src/app.rb' } }])
  })

  it('refuses sensitive paths, traversal and excluded files without sending anything', async () => {
    const { run, clientActions } = setup({ runReadFile: ok('x') }, { exclusionRules: ['*.pem'] })
    expect(await run('read_file', { file_path: '.env' })).toEqual({
      content: "Access denied: Cannot access '.env' as it matches the sensitive path pattern '.env'",
      error: true,
    })
    expect(await run('read_file', { file_path: '../../etc/passwd' })).toMatchObject({
      error: true,
      content: expect.stringContaining('path traversal'),
    })
    expect(await run('read_file', { file_path: 'certs/server.pem' })).toEqual({
      content: 'Files excluded due to policy, continue without files:\ncerts/server.pem',
      error: true,
    })
    expect(
      await run('create_file_with_contents', { file_path: '.git/hooks/pre-commit', contents: 'rm -rf /' }),
    ).toMatchObject({ error: true })
    expect(await run('edit_file', { file_path: '.ssh/config', old_str: 'a', new_str: 'b' })).toMatchObject({
      error: true,
    })
    expect(await run('mkdir', { directory_path: '.vscode' })).toMatchObject({ error: true })
    expect(await run('list_dir', { directory: '.git' })).toMatchObject({ error: true })
    expect(clientActions).toEqual([])
  })

  it('a client error fails the call with the error text', async () => {
    const { run } = setup({
      runReadFile: { response: '', error: 'open src/nope.rb: no such file or directory' },
    })
    expect(await run('read_file', { file_path: 'src/nope.rb' })).toEqual({
      content: 'open src/nope.rb: no such file or directory',
      error: true,
    })
  })

  it('read_files sends the allowed paths only and merges the local refusals into the answer', async () => {
    const { run, clientActions } = setup(
      { runReadFiles: ok(JSON.stringify({ 'a.rb': { content: 'A' }, 'b.rb': { error: 'not found' } })) },
      { exclusionRules: ['secret/'] },
    )
    const outcome = await run('read_files', { file_paths: ['a.rb', '.env.local', 'secret/k.txt', 'b.rb'] })
    expect(clientActions).toEqual([{ runReadFiles: { filepaths: ['a.rb', 'b.rb'] } }])
    expect(JSON.parse(outcome.content)).toEqual({
      'a.rb': { content: 'A' },
      '.env.local': {
        error: "Access denied: Cannot access '.env.local' as it matches the sensitive path pattern '.env.*'",
      },
      'secret/k.txt': { error: 'Files excluded due to policy, continue without files:\nsecret/k.txt' },
      'b.rb': { error: 'not found' },
    })
  })

  it('read_files: an answer that is not JSON is an error', async () => {
    const { run } = setup({ runReadFiles: ok('a.rb: A') })
    expect(await run('read_files', { file_paths: ['a.rb'] })).toMatchObject({
      error: true,
      content: expect.stringContaining('Could not read files'),
    })
  })

  it('create_file_with_contents, edit_file and mkdir send their actions', async () => {
    const { run, clientActions } = setup({
      runWriteFile: ok('written'),
      runEditFile: ok('edited'),
      mkdir: ok('created'),
    })
    expect((await run('create_file_with_contents', { file_path: 'lib/a.rb', contents: 'A\n' })).content).toBe(
      'written',
    )
    expect((await run('edit_file', { file_path: 'lib/a.rb', old_str: 'A', new_str: 'B' })).content).toBe(
      'edited',
    )
    expect((await run('mkdir', { directory_path: 'lib/new' })).content).toBe('created')
    expect(clientActions).toEqual([
      { runWriteFile: { filepath: 'lib/a.rb', contents: 'A\n' } },
      { runEditFile: { filepath: 'lib/a.rb', oldString: 'A', newString: 'B' } },
      { mkdir: { directory_path: 'lib/new' } },
    ])
  })
})

describe('listings and searches are filtered', () => {
  it('list_dir drops sensitive and excluded entries', async () => {
    const { run, clientActions } = setup(
      { listDirectory: ok('app/\n.env\n.env.example\nconfig/\nkeys.pem\nREADME.md\n') },
      { exclusionRules: ['*.pem'] },
    )
    expect((await run('list_dir', { directory: '.' })).content).toBe('app/\n.env.example\nconfig/\nREADME.md')
    expect(clientActions).toEqual([{ listDirectory: { directory: '.' } }])
  })

  it('list_dir checks entries by their path from the root', async () => {
    const { run } = setup(
      { listDirectory: ok('secrets.yml\napp.yml') },
      { exclusionRules: ['/config/secrets.yml'] },
    )
    expect((await run('list_dir', { directory: 'config' })).content).toBe('app.yml')
  })

  it('find_files filters, and says when nothing is left', async () => {
    const { run, clientActions } = setup(
      { findFiles: ok('a/x.json\n.vscode/settings.json\nsecret/y.json\n') },
      { exclusionRules: ['secret/'] },
    )
    expect((await run('find_files', { name_pattern: '*.json' })).content).toBe('a/x.json')
    expect(clientActions).toEqual([{ findFiles: { name_pattern: '*.json' } }])
    const empty = setup({ findFiles: ok('') })
    expect((await empty.run('find_files', { name_pattern: '*.zig' })).content).toBe(
      "No matches found for pattern '*.zig'.",
    )
    expect(await empty.run('find_files', { name_pattern: '../*' })).toMatchObject({ error: true })
  })

  it('grep sends keywords case-insensitively, reads "no match" answers, filters lines of hidden files', async () => {
    const { run, clientActions } = setup(
      { grep: ok('app/login.rb:3:  login_user\n.env:2:LOGIN_TOKEN=abc\nconfig/secrets.yml:1:login: x\n') },
      { exclusionRules: ['config/secrets.yml'] },
    )
    expect((await run('grep', { keywords: 'login_user,LOGIN' })).content).toBe('app/login.rb:3:  login_user')
    expect(clientActions).toEqual([
      { grep: { pattern: 'login_user,LOGIN', search_directory: '.', case_insensitive: true } },
    ])
    for (const answer of ['', 'exit status 1', 'grep: src: No such file or directory']) {
      const none = setup({ grep: ok(answer) })
      expect((await none.run('grep', { keywords: 'x', search_directory: 'src' })).content).toBe(
        "No matches found for pattern 'x' in 'src'.",
      )
    }
    const refused = setup({ grep: ok('never') })
    expect(await refused.run('grep', { keywords: 'x', search_directory: '../other' })).toEqual({
      content: 'Searching above the current directory is not allowed',
      error: true,
    })
    expect(refused.clientActions).toEqual([])
  })
})

describe('run_command', () => {
  it('by default sends runCommand with shell-split arguments and no flags', async () => {
    const { run, clientActions } = setup({ runCommand: ok('[main 1a2b3c] fix bug') })
    expect((await run('run_command', { program: 'git', args: 'commit -m "fix bug"' })).content).toBe(
      '[main 1a2b3c] fix bug',
    )
    expect(clientActions).toEqual([
      { runCommand: { program: 'git', arguments: ['commit', '-m', 'fix bug'], flags: [] } },
    ])
  })

  it('refuses &&, || and | without sending anything', async () => {
    const { run, clientActions } = setup({ runCommand: ok('never') })
    expect(await run('run_command', { program: 'npm', args: 'test && rm -rf /' })).toEqual({
      content: operatorRefusal('&&'),
      error: true,
    })
    expect(await run('run_command', { program: 'cat a || true' })).toEqual({
      content: operatorRefusal('||'),
      error: true,
    })
    expect(await run('run_command', { program: 'ls', args: '| grep x' })).toEqual({
      content: operatorRefusal('|'),
      error: true,
    })
    expect(clientActions).toEqual([])
  })

  it('a failed command is a tool error carrying its output', async () => {
    const { run } = setup({ runCommand: { response: '1 example, 1 failure', error: 'exit status 1' } })
    expect(await run('run_command', { program: 'rspec' })).toEqual({
      content: 'exit status 1\n1 example, 1 failure',
      error: true,
    })
  })

  it('with the shell_command capability takes a command line and sends runShellCommand', async () => {
    const { run, clientActions } = setup(
      { runShellCommand: ok('ok') },
      { capabilities: ['incremental_streaming', 'shell_command'] },
    )
    expect((await run('run_command', { command: 'npm test | tail -5' })).content).toBe('ok')
    expect(clientActions).toEqual([{ runShellCommand: { command: 'npm test | tail -5' } }])
    expect(await run('run_command', { program: 'npm' })).toEqual({
      content: 'Invalid arguments for run_command: command is required',
      error: true,
    })
  })
})
