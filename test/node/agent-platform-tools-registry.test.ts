/**
 * MCP tools from the start request (spec §8.4) and the registry: the tools a session offers for its
 * privileges, capabilities, MCP settings and language server (§8.3), pre-approval, and the
 * `ListTools` format (§9.1), checked with a JSON Schema validator so every schema is one a model API takes.
 */
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import type { McpTool } from '../../src/agent-platform/contract.ts'
import {
  mcpToolsFrom,
  parseInputSchema,
  sanitiseToolName,
  UNTRUSTED_MCP_WARNING,
} from '../../src/agent-platform/tools/mcp.ts'
import { isPreapproved, listToolSpecs, toolsFor } from '../../src/agent-platform/tools/registry.ts'
import { toolHarness } from '../fakes/tool-context.ts'

const mcp = (
  name: string,
  description = 'Does things',
  inputSchema = '{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}',
): McpTool => ({
  name,
  description,
  inputSchema,
})

const WEB = ['read_only_gitlab', 'read_write_gitlab']
const IDE = [
  'read_write_files',
  'read_only_gitlab',
  'read_write_gitlab',
  'run_commands',
  'use_git',
  'run_mcp_tools',
]

const READ_TOOLS = [
  'get_project',
  'get_merge_request',
  'list_merge_request_diffs',
  'list_all_merge_request_notes',
  'gitlab_merge_request_search',
  'get_pipeline_failing_jobs',
  'get_job_logs',
  'get_repository_file',
  'list_repository_tree',
  'get_commit',
  'list_commits',
  'get_commit_diff',
  'get_work_item',
  'get_work_item_notes',
  'list_work_items',
  'list_vulnerabilities',
  'get_vulnerability_details',
  'get_current_user',
  'get_wiki_page',
  'gitlab_documentation_search',
  'gitlab_issue_search',
  'gitlab_blob_search',
]
const LOCAL_TOOLS = [
  'read_file',
  'read_files',
  'list_dir',
  'find_files',
  'grep',
  'create_file_with_contents',
  'edit_file',
  'mkdir',
]
const WRITE_TOOLS = [
  'create_merge_request',
  'update_merge_request',
  'create_merge_request_note',
  'create_commit',
  'create_work_item',
  'create_work_item_note',
  'update_work_item',
]

const names = (tools: { name: string }[]) => tools.map((t) => t.name)

describe('MCP tools', () => {
  it('sanitises names as GitLab does', () => {
    expect(sanitiseToolName('gitlab_search')).toBe('gitlab_search')
    expect(sanitiseToolName('my server.fetch/page')).toBe('my_server_fetch_page')
    expect(sanitiseToolName('__-weird-__')).toBe('weird')
    expect(sanitiseToolName('ü')).toBe('')
    expect(sanitiseToolName('x'.repeat(200))).toHaveLength(128)
  })

  it('puts the untrusted-source warning first, parses the schema, skips nameless and clashing tools', () => {
    const { tools, skipped } = mcpToolsFrom(
      [mcp('docs.search', 'Search the docs'), mcp(''), mcp('***'), mcp('docs_search'), mcp('read_file')],
      new Set(['read_file']),
    )
    expect(names(tools)).toEqual(['docs_search'])
    expect(tools[0]?.description).toBe(`${UNTRUSTED_MCP_WARNING}\n\nSearch the docs`)
    expect(tools[0]?.privilege).toBe('run_mcp_tools')
    expect(tools[0]?.parameters).toEqual({
      type: 'object',
      properties: { q: { type: 'string' } },
      required: ['q'],
    })
    expect(skipped.map((s) => s.reason)).toEqual([
      'the tool has no name',
      'the name has no usable characters',
      "the name 'docs_search' is already taken",
      "the name 'read_file' is already taken",
    ])
  })

  it('an invalid or non-object inputSchema becomes an empty object schema', () => {
    expect(parseInputSchema('{not json')).toEqual({ type: 'object', properties: {} })
    expect(parseInputSchema('[1]')).toEqual({ type: 'object', properties: {} })
    expect(parseInputSchema('')).toEqual({ type: 'object', properties: {} })
    expect(parseInputSchema('{"properties":{}}')).toEqual({ type: 'object', properties: {} })
  })

  it('runs as runMCPTool with the original name and the arguments as JSON, unchanged', async () => {
    const harness = toolHarness({ client: () => ({ response: 'found 3 results', error: '' }) })
    const [tool] = mcpToolsFrom([mcp('gitlab.search')]).tools
    expect(await tool?.run({ q: 'login', extra: { nested: [1] } }, harness.context)).toEqual({
      content: 'found 3 results',
    })
    expect(harness.clientActions).toEqual([
      { runMCPTool: { name: 'gitlab.search', args: '{"q":"login","extra":{"nested":[1]}}' } },
    ])
    const failing = toolHarness({ client: () => ({ response: '', error: 'MCP tool response is empty' }) })
    expect(await tool?.run({ q: 'x' }, failing.context)).toEqual({
      content: 'MCP tool response is empty',
      error: true,
    })
  })
})

describe('the tools a session offers', () => {
  it('web chat (read_only_gitlab + read_write_gitlab): GitLab reads then writes, no local tools', () => {
    expect(names(toolsFor({ privileges: WEB, capabilities: ['incremental_streaming'] }))).toEqual([
      ...READ_TOOLS,
      ...WRITE_TOOLS,
    ])
  })

  it('read_only_gitlab alone: reads only; read_write_gitlab alone still reads (GitLab puts the reads in that set too)', () => {
    expect(names(toolsFor({ privileges: ['read_only_gitlab'], capabilities: [] }))).toEqual(READ_TOOLS)
    expect(names(toolsFor({ privileges: ['read_write_gitlab'], capabilities: [] }))).toEqual([
      ...READ_TOOLS,
      ...WRITE_TOOLS,
    ])
    expect(toolsFor({ privileges: [], capabilities: [] })).toEqual([])
    expect(toolsFor({ privileges: ['unknown_privilege'], capabilities: [] })).toEqual([])
  })

  it('IDE (all privileges): local tools and one run_command, the shell form with shell_command', () => {
    const plain = toolsFor({ privileges: IDE, capabilities: ['incremental_streaming'] })
    expect(names(plain)).toEqual([...READ_TOOLS, ...LOCAL_TOOLS, 'run_command', ...WRITE_TOOLS])
    expect(
      Object.keys((plain.find((t) => t.name === 'run_command')?.parameters.properties ?? {}) as object),
    ).toEqual(['program', 'args'])
    const shell = toolsFor({
      privileges: IDE,
      capabilities: new Set(['incremental_streaming', 'shell_command']),
    })
    expect(names(shell).filter((n) => n === 'run_command')).toHaveLength(1)
    expect(
      Object.keys((shell.find((t) => t.name === 'run_command')?.parameters.properties ?? {}) as object),
    ).toEqual(['command'])
    expect(
      names(
        toolsFor({ privileges: ['read_write_files', 'read_only_gitlab'], capabilities: ['shell_command'] }),
      ),
    ).not.toContain('run_command')
  })

  it("MCP tools come last, only when the workflow has MCP enabled; GitLab's MCP search replaces the three search tools", () => {
    const mcpTools = [mcp('gitlab_search'), mcp('gitlab_semantic_code_search')]
    expect(names(toolsFor({ privileges: WEB, capabilities: [], mcpTools, mcpEnabled: false }))).not.toContain(
      'gitlab_search',
    )
    const withMcp = names(
      toolsFor({
        privileges: WEB,
        capabilities: [],
        mcpTools,
        mcpEnabled: true,
        mcpServerTools: 'gitlab_search,search,semantic_code_search',
      }),
    )
    expect(withMcp.slice(-2)).toEqual(['gitlab_search', 'gitlab_semantic_code_search'])
    expect(withMcp).not.toContain('gitlab_issue_search')
    expect(withMcp).not.toContain('gitlab_blob_search')
    expect(withMcp).not.toContain('gitlab_merge_request_search')
    expect(withMcp).toContain('gitlab_documentation_search')
    expect(
      names(
        toolsFor({
          privileges: WEB,
          capabilities: [],
          mcpServerTools: ['gitlab_search', 'semantic_code_search'],
        }),
      ),
    ).toContain('gitlab_issue_search')
  })

  it('a language server older than 7.43.0 gets no tools at all; an unreadable version is no gate', () => {
    const select = (languageServerVersion: string | undefined) =>
      toolsFor({
        privileges: IDE,
        capabilities: [],
        mcpTools: [mcp('x')],
        mcpEnabled: true,
        languageServerVersion,
      }).length
    expect(select('7.42.9')).toBe(0)
    expect(select('6.0.0')).toBe(0)
    expect(select('7.43.0')).toBeGreaterThan(0)
    expect(select('8.1.0-beta.1')).toBeGreaterThan(0)
    expect(select('unknown')).toBeGreaterThan(0)
    expect(select(undefined)).toBeGreaterThan(0)
  })

  it('pre-approval follows the enabling privileges and the pre-approved tool names', () => {
    const tools = toolsFor({ privileges: WEB, capabilities: [] })
    const byName = (name: string) => tools.find((t) => t.name === name) as (typeof tools)[number]
    const web = { privileges: WEB, preapprovedPrivileges: ['read_only_gitlab'] }
    expect(isPreapproved(byName('get_merge_request'), web)).toBe(true)
    expect(isPreapproved(byName('create_merge_request'), web)).toBe(false)
    expect(
      isPreapproved(byName('create_merge_request'), { ...web, preapprovedTools: ['create_merge_request'] }),
    ).toBe(true)
    // Reads enabled only through read_write_gitlab are pre-approved only if that privilege is.
    expect(
      isPreapproved(byName('get_merge_request'), {
        privileges: ['read_write_gitlab'],
        preapprovedPrivileges: ['read_only_gitlab'],
      }),
    ).toBe(false)
  })
})

describe('ListTools', () => {
  it('lists every built-in tool once, in OpenAI function format, with object schemas a validator accepts', () => {
    const specs = listToolSpecs()
    expect(specs.map((s) => s.function.name)).toEqual([
      ...READ_TOOLS,
      ...LOCAL_TOOLS,
      'run_command',
      ...WRITE_TOOLS,
    ])
    const ajv = new Ajv({ strict: false })
    for (const spec of specs) {
      expect(spec.type).toBe('function')
      expect(spec.function.description.length).toBeGreaterThan(20)
      expect(spec.function.parameters).toMatchObject({ type: 'object', properties: expect.any(Object) })
      expect(() => ajv.compile(spec.function.parameters), spec.function.name).not.toThrow()
      const required = (spec.function.parameters.required ?? []) as string[]
      for (const name of required)
        expect(Object.keys(spec.function.parameters.properties as object), spec.function.name).toContain(name)
    }
    // GitLab's exact parameter names, for a few tools.
    const params = (name: string) =>
      Object.keys(specs.find((s) => s.function.name === name)?.function.parameters.properties as object)
    expect(params('get_merge_request')).toEqual(['url', 'project_id', 'merge_request_iid'])
    expect(params('grep')).toEqual(['keywords', 'search_directory'])
    expect(params('create_work_item')).toEqual([
      'url',
      'group_id',
      'project_id',
      'title',
      'type_name',
      'description',
      'assignee_ids',
      'confidential',
      'start_date',
      'due_date',
      'is_fixed',
      'health_status',
      'state',
      'hierarchy_widget',
      'label_ids',
    ])
    expect(params('list_vulnerabilities')).toEqual([
      'project_full_path',
      'severity',
      'report_type',
      'per_page',
      'page',
      'fetch_all_pages',
    ])
  })

  it('is plain data (a google.protobuf.Struct can carry it)', () => {
    const specs = listToolSpecs()
    expect(JSON.parse(JSON.stringify(specs))).toEqual(specs)
  })
})
