/**
 * The IDE's local file tools (spec §8.4, privilege `read_write_files`), executed by the client as
 * actions. Every path is checked here first (no climbing out of the workspace, nothing on the
 * sensitive-path deny-list, nothing the project excludes from GitLab Duo): a refused path never
 * reaches the client. What the client lists or finds is filtered the same way before the model sees it.
 */
import { arg, params, s, ToolError } from './args.ts'
import { clientText, lines } from './client.ts'
import { defineTool } from './define.ts'
import { json } from './http.ts'
import { checkPath, ExclusionPolicy, isDenied, joinPath } from './paths.ts'
import type { AgentTool, ToolContext } from './tool.ts'

/** Refuses a path the model may not touch: traversal, deny-list, the project's exclusion rules. */
function guard(context: ToolContext, path: string, isDir = false): void {
  checkPath(path, isDir)
  if (!ExclusionPolicy.of(context).allows(path, isDir)) throw new ToolError(ExclusionPolicy.message([path]))
}

/** Whether the model may see a path a listing or search returned. */
function visible(policy: ExclusionPolicy, path: string, isDir = path.endsWith('/')): boolean {
  return !isDenied(path, isDir) && policy.allows(path, isDir)
}

const noMatches = (pattern: string, directory?: string) =>
  `No matches found for pattern '${pattern}'${directory ? ` in '${directory}'` : ''}.`

const readFile = defineTool({
  name: 'read_file',
  description:
    'Reads a file of the workspace. To read several files, call read_files once, or read_file several times in one answer.',
  parameters: params({ file_path: s.string('The file, relative to the repository root.') }, ['file_path']),
  privilege: 'read_write_files',
  describe: (args) => `Read file ${String(args.file_path)}`,
  run: async (args, context) => {
    const filePath = arg.str(args, 'file_path') as string
    guard(context, filePath)
    return clientText(context, { runReadFile: { filepath: filePath } })
  },
})

const readFiles = defineTool({
  name: 'read_files',
  description:
    'Reads several files of the workspace in one call; the answer maps each path to its content or an error.',
  parameters: params({ file_paths: s.array(s.string(), 'The files, relative to the repository root.') }, [
    'file_paths',
  ]),
  privilege: 'read_write_files',
  describe: (args) => {
    const count = Array.isArray(args.file_paths) ? args.file_paths.length : 0
    return `Read ${count} file${count === 1 ? '' : 's'}`
  },
  run: async (args, context) => {
    const paths = arg.list<string>(args, 'file_paths') ?? []
    if (paths.length === 0) throw new ToolError('file_paths is empty')
    const refused: Record<string, { error: string }> = {}
    const allowed: string[] = []
    for (const path of paths) {
      try {
        guard(context, path)
        allowed.push(path)
      } catch (error) {
        if (!(error instanceof ToolError)) throw error
        refused[path] = { error: error.message }
      }
    }
    let read: Record<string, unknown> = {}
    if (allowed.length > 0) {
      const text = await clientText(context, { runReadFiles: { filepaths: allowed } })
      try {
        const parsed: unknown = JSON.parse(text)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object')
        read = parsed as Record<string, unknown>
      } catch {
        throw new ToolError('Could not read files: the client answered something other than a JSON object')
      }
    }
    const result: Record<string, unknown> = {}
    for (const path of paths)
      result[path] = refused[path] ?? read[path] ?? { error: 'The client did not return this file' }
    return json(result)
  },
})

const listDir = defineTool({
  name: 'list_dir',
  description:
    "Lists the files and subdirectories of a workspace directory (like `ls -la`). Use '.' for the repository root.",
  parameters: params(
    { directory: s.string("The directory, relative to the repository root ('.' for the root).") },
    ['directory'],
  ),
  privilege: 'read_write_files',
  describe: (args) => `List directory '${String(args.directory)}'`,
  run: async (args, context) => {
    const directory = arg.str(args, 'directory') as string
    guard(context, directory, true)
    const policy = ExclusionPolicy.of(context)
    const entries = lines(await clientText(context, { listDirectory: { directory } }))
    const shown = entries.filter((entry) => visible(policy, joinPath(directory, entry), entry.endsWith('/')))
    return shown.length > 0 ? shown.join('\n') : `The directory '${directory}' has no entries to show.`
  },
})

const findFiles = defineTool({
  name: 'find_files',
  description:
    "Finds workspace files by name with a shell glob, recursively, honouring .gitignore (e.g. '*.py', 'src/**/*.test.ts'). To search " +
    'file contents, use grep.',
  parameters: params(
    { name_pattern: s.string("The glob to match file paths against, e.g. '*.json' or 'tests/test_*.py'.") },
    ['name_pattern'],
  ),
  privilege: 'read_write_files',
  describe: (args) => `Search files with pattern '${String(args.name_pattern)}'`,
  run: async (args, context) => {
    const pattern = arg.str(args, 'name_pattern') as string
    if (pattern.includes('..')) throw new ToolError('Searching above the current directory is not allowed')
    const policy = ExclusionPolicy.of(context)
    const found = lines(await clientText(context, { findFiles: { name_pattern: pattern } })).filter((path) =>
      visible(policy, path),
    )
    return found.length > 0 ? found.join('\n') : noMatches(pattern)
  },
})

/** The file a grep output line is about (`path:line:text`, or a heading line that is just a path). */
function grepPath(line: string): string {
  const colon = line.indexOf(':')
  return colon > 0 ? line.slice(0, colon) : line
}

const grep = defineTool({
  name: 'grep',
  description:
    'Searches the contents of workspace files for keywords, recursively, honouring .gitignore. Give plain words (comma-separated, no ' +
    'regular expressions) and narrow search_directory when you can.',
  parameters: params(
    {
      keywords: s.string(
        "Comma-separated words to look for, e.g. 'LoginForm,login_user'. Not a regular expression.",
      ),
      search_directory: s.string(
        "The directory to search, relative to the repository root ('.' by default).",
        { default: '.' },
      ),
    },
    ['keywords'],
  ),
  privilege: 'read_write_files',
  describe: (args) => `Search for '${String(args.keywords)}' in '${String(args.search_directory ?? '.')}'`,
  run: async (args, context) => {
    const keywords = arg.str(args, 'keywords') as string
    const directory = arg.str(args, 'search_directory') || '.'
    if (directory.includes('..')) throw new ToolError('Searching above the current directory is not allowed')
    guard(context, directory, true)
    const result = await clientText(context, {
      grep: { pattern: keywords, search_directory: directory, case_insensitive: true },
    })
    // The client's ways of saying "nothing found" (grep's exit status 1, a missing directory).
    const none =
      result.trim() === '' || result.includes('No such file or directory') || result.includes('exit status 1')
    if (none) return noMatches(keywords, directory)
    const policy = ExclusionPolicy.of(context)
    const shown = lines(result).filter((line) => visible(policy, joinPath(directory, grepPath(line))))
    return shown.length > 0 ? shown.join('\n') : noMatches(keywords, directory)
  },
})

const createFile = defineTool({
  name: 'create_file_with_contents',
  description:
    'Creates a workspace file with the given contents (replacing the file if it exists). Give file_path and the whole contents.',
  parameters: params(
    {
      file_path: s.string('The file, relative to the repository root.'),
      contents: s.string('The whole content of the file.'),
    },
    ['file_path', 'contents'],
  ),
  privilege: 'read_write_files',
  describe: (args) => `Create file ${String(args.file_path)}`,
  run: async (args, context) => {
    const filePath = arg.str(args, 'file_path') as string
    guard(context, filePath)
    return clientText(context, {
      runWriteFile: { filepath: filePath, contents: arg.str(args, 'contents') as string },
    })
  },
})

const editFile = defineTool({
  name: 'edit_file',
  description:
    'Edits a workspace file by replacing one exact piece of text (old_str, with a line or two around it so it is unique) with new_str. ' +
    'Batch edits to several files in one answer.',
  parameters: params(
    {
      file_path: s.string('The file, relative to the repository root.'),
      old_str: s.string(
        'The exact text to replace, including enough surrounding lines to be unique in the file.',
      ),
      new_str: s.string('The text to put in its place.'),
    },
    ['file_path', 'old_str', 'new_str'],
  ),
  privilege: 'read_write_files',
  describe: (args) => `Edit file ${String(args.file_path)}`,
  run: async (args, context) => {
    const filePath = arg.str(args, 'file_path') as string
    guard(context, filePath)
    return clientText(context, {
      runEditFile: {
        filepath: filePath,
        oldString: arg.str(args, 'old_str') as string,
        newString: arg.str(args, 'new_str') as string,
      },
    })
  },
})

const mkdir = defineTool({
  name: 'mkdir',
  description: 'Creates a directory (and its parents) in the workspace.',
  parameters: params(
    { directory_path: s.string('The directory to create, relative to the repository root.') },
    ['directory_path'],
  ),
  privilege: 'read_write_files',
  describe: (args) => `Create directory '${String(args.directory_path)}'`,
  run: async (args, context) => {
    const directory = arg.str(args, 'directory_path') as string
    guard(context, directory, true)
    return clientText(context, { mkdir: { directory_path: directory } })
  },
})

export const LOCAL_TOOLS: readonly AgentTool[] = [
  readFile,
  readFiles,
  listDir,
  findFiles,
  grep,
  createFile,
  editFile,
  mkdir,
]
