/**
 * The tools Duo Chat's ReAct agent may pick (spec features §5.2). GitLab runs them itself; the
 * gateway only offers them in the system prompt and reports the model's choice. A tool is offered
 * when the token grants its unit primitive and the GitLab version (`X-Gitlab-Version`) knows it.
 */
import { can } from '../auth/scopes.ts'
import type { AuthContext } from '../auth/auth-context.ts'

export interface ChatTool {
  name: string
  unitPrimitive: string
  /** The GitLab resource it reads, as the system prompt names it. */
  resource: string
  description: string
  example?: string
  /** Oldest GitLab version whose Rails can run the tool. */
  minGitLabVersion?: readonly [number, number, number]
}

const SINCE_17_5 = [17, 5, 0] as const

export const CHAT_TOOLS: readonly ChatTool[] = [
  {
    name: 'build_reader',
    unitPrimitive: 'ask_build',
    resource: 'CI/CD jobs',
    description:
      'Reads one CI/CD job (build) of a pipeline, including its log. Use it when the question is about a job the user points to by URL or ID, or the job page the user is on.',
    example:
      'Question: Why did this job fail? (the user is on the job page)\nThought: I need the job and its log.\nAction: build_reader\nAction Input: Please fetch the current job.',
    minGitLabVersion: SINCE_17_5,
  },
  {
    name: 'epic_reader',
    unitPrimitive: 'ask_epic',
    resource: 'Epics',
    description:
      'Reads one epic: its title, description and details. Use it only for an epic identified by a URL, a reference (&123) or the epic page the user is on; it cannot search epics.',
    example:
      'Question: Summarize epic &12\nThought: I need to read epic &12.\nAction: epic_reader\nAction Input: Please identify the author of epic &12',
  },
  {
    name: 'issue_reader',
    unitPrimitive: 'ask_issue',
    resource: 'Issues',
    description:
      'Reads one issue: its title, description, labels and comments. Use it only for an issue identified by a URL, a reference (#123) or the issue page the user is on; it cannot search issues.',
    example:
      'Question: What is issue #42 about?\nThought: I need to read issue #42.\nAction: issue_reader\nAction Input: Please fetch issue #42',
  },
  {
    name: 'merge_request_reader',
    unitPrimitive: 'ask_merge_request',
    resource: 'Merge Requests',
    description:
      'Reads one merge request: its title, description and changes. Use it only for a merge request identified by a URL, a reference (!123) or the merge request page the user is on.',
    example:
      'Question: Review merge request !7\nThought: I need to read merge request !7.\nAction: merge_request_reader\nAction Input: Please fetch merge request !7',
    minGitLabVersion: SINCE_17_5,
  },
  {
    name: 'commit_reader',
    unitPrimitive: 'ask_commit',
    resource: 'Commits',
    description:
      'Reads one commit: its message and diff. Use it only for a commit identified by a URL, a SHA or the commit page the user is on.',
    example:
      'Question: What changed in commit 1a2b3c4?\nThought: I need to read that commit.\nAction: commit_reader\nAction Input: Please fetch commit 1a2b3c4',
    minGitLabVersion: SINCE_17_5,
  },
  {
    name: 'work_item_reader',
    unitPrimitive: 'ask_work_item',
    resource: 'Work Items',
    description:
      'Reads one work item (issue, epic, task...): its title, description and details. Use it only for a work item identified by a URL, a reference or the page the user is on.',
    example:
      'Question: What is left to do in work item #15?\nThought: I need to read work item #15.\nAction: work_item_reader\nAction Input: Please fetch work item #15',
  },
  {
    name: 'gitlab_documentation',
    unitPrimitive: 'documentation_search',
    resource: 'GitLab documentation',
    description:
      "Searches GitLab's documentation. Use it for questions about how to use, configure or administer GitLab and its features.",
    example:
      'Question: How do I set up a CI/CD pipeline?\nThought: This is about using GitLab; the documentation will say.\nAction: gitlab_documentation\nAction Input: set up CI/CD pipeline',
  },
]

/** The tools this caller may be offered, in the order the prompt lists them. */
export function availableTools(auth: AuthContext, gitlabVersion: string | undefined): ChatTool[] {
  const version = parseVersion(gitlabVersion)
  return CHAT_TOOLS.filter(
    (tool) =>
      can(auth, tool.unitPrimitive) &&
      (!tool.minGitLabVersion || (version !== undefined && atLeast(version, tool.minGitLabVersion))),
  )
}

/** `17.5.0-pre`, `17.10.2-ee` → [17, 5, 0], [17, 10, 2]; a pre-release of a version counts as that version. */
function parseVersion(value: string | undefined): [number, number, number] | undefined {
  const match = value ? /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(value) : null
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined
}

function atLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    if (version[i]! !== minimum[i]!) return version[i]! > minimum[i]!
  }
  return true
}
