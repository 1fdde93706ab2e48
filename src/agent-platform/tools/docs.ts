/**
 * `gitlab_documentation_search` answered from the gateway's own documentation index (the one
 * `/v1/search/gitlab-docs` searches). GitLab's service asks Google's Vertex AI Search, which a
 * self-hosted installation cannot reach; this works offline, and says plainly when there is no index.
 */
import { arg, params, s } from './args.ts'
import { defineTool, failure } from './define.ts'
import { json } from './http.ts'
import type { AgentTool } from './tool.ts'

export const NO_DOCS_INDEX =
  'GitLab documentation search is not available: this AI gateway has no documentation index. Answer from what you know, and say that the ' +
  'documentation could not be searched.'

const gitlabDocumentationSearch = defineTool({
  name: 'gitlab_documentation_search',
  description:
    "Searches GitLab's documentation. Use it for questions about using, configuring or administering GitLab; cite the results' " +
    'source_url links.',
  parameters: params(
    { search: s.string('What to look for, in a few words (e.g. "merge request approval rules").') },
    ['search'],
  ),
  privilege: 'read_only_gitlab',
  describe: (args) => `Search GitLab documentation for '${String(args.search)}'`,
  run: async (args, context) => {
    if (!context.searchDocs) return failure(NO_DOCS_INDEX)
    const search = arg.str(args, 'search') as string
    const results = await context.searchDocs(search)
    if (results.length === 0)
      return json({ search_results: [], message: `No documentation matched '${search}'.` })
    return json({
      search_results: results.map((r) => ({ title: r.title, source_url: r.source_url, content: r.content })),
    })
  },
})

export const DOCS_TOOLS: readonly AgentTool[] = [gitlabDocumentationSearch]
