/**
 * Work items and vulnerabilities behind the fake Rails' GraphQL endpoint: the documents the tools
 * send run against the schema slice of work-items-schema.ts, on an in-memory store seeded with
 * issue #5 and task #6 of `gitlab-org/gitlab-test` and epic #3 of `gitlab-org`. Not modelled: the
 * date, milestone and health filters of `workItems` (accepted, ignored), permissions beyond
 * "unknown path → null".
 */
import { graphql, GraphQLError } from 'graphql'
import type { FakeRails, GraphqlRequest, GraphqlResult } from '../rails.ts'
import type { ToolData } from './tool-data.ts'
import { workItemsSchema } from './work-items-schema.ts'

interface NoteRecord {
  id: number
  body: string
  internal: boolean
  system: boolean
  authorId: number
  createdAt: string
  updatedAt: string
}
export interface WorkItemRecord {
  id: number
  iid: number
  container: { kind: 'project' | 'group'; id: number; path: string }
  type: string
  title: string
  description: string | null
  state: 'OPEN' | 'CLOSED'
  confidential: boolean
  authorId: number
  assigneeIds: number[]
  labelIds: string[]
  startDate: string | null
  dueDate: string | null
  isFixed: boolean
  healthStatus: string | null
  parentId: number | null
  discussions: { id: string; notes: NoteRecord[] }[]
  createdAt: string
}

const TYPES = [
  ['Issue', 1],
  ['Incident', 2],
  ['Task', 5],
  ['Objective', 6],
  ['Key Result', 7],
  ['Epic', 8],
] as const
const PROJECT_TYPES = ['Issue', 'Incident', 'Task', 'Objective', 'Key Result']
const GROUP_TYPES = ['Epic', 'Issue', 'Task', 'Objective', 'Key Result']
const typeGid = (name: string) => `gid://gitlab/WorkItems::Type/${TYPES.find(([n]) => n === name)?.[1] ?? 0}`
const gidNumber = (gid: string) => Number(gid.slice(gid.lastIndexOf('/') + 1))
const notFound = () =>
  new GraphQLError(
    "The resource that you are attempting to access does not exist or you don't have permission to perform this action",
  )

export function installWorkItemsGraphql(rails: FakeRails, data: ToolData) {
  let nextId = 900
  const project = { kind: 'project' as const, id: 7, path: 'gitlab-org/gitlab-test' }
  const group = { kind: 'group' as const, id: 2, path: 'gitlab-org' }
  const note = (id: number, body: string, authorId: number, createdAt: string): NoteRecord => ({
    id,
    body,
    internal: false,
    system: false,
    authorId,
    createdAt,
    updatedAt: createdAt,
  })
  const base = {
    confidential: false,
    authorId: 5,
    assigneeIds: [],
    labelIds: [],
    startDate: null,
    dueDate: null,
    isFixed: false,
    healthStatus: null,
    parentId: null,
  }
  const items: WorkItemRecord[] = [
    {
      ...base,
      id: 801,
      iid: 5,
      container: project,
      type: 'Issue',
      title: 'Login fails for nil users',
      description: 'Steps: log in as nobody',
      state: 'OPEN',
      parentId: 803,
      labelIds: ['gid://gitlab/ProjectLabel/11'],
      createdAt: '2026-02-01T08:00:00Z',
      discussions: [
        {
          id: 'gid://gitlab/Discussion/aa11',
          notes: [
            note(1001, 'I can reproduce this', 1, '2026-02-02T09:00:00Z'),
            note(1002, 'Fix is in !12', 5, '2026-02-03T09:00:00Z'),
          ],
        },
        {
          id: 'gid://gitlab/IndividualNoteDiscussion/bb22',
          notes: [note(1003, 'First report', 5, '2026-02-01T09:00:00Z')],
        },
      ],
    },
    {
      ...base,
      id: 802,
      iid: 6,
      container: project,
      type: 'Task',
      title: 'Add a regression test',
      description: null,
      state: 'OPEN',
      discussions: [],
      createdAt: '2026-02-04T08:00:00Z',
    },
    {
      ...base,
      id: 803,
      iid: 3,
      container: group,
      type: 'Epic',
      title: 'Authentication hardening',
      description: 'All of it',
      state: 'OPEN',
      discussions: [],
      createdAt: '2026-01-15T08:00:00Z',
    },
  ]
  const vulnerability = (
    id: number,
    title: string,
    severity: string,
    state: string,
    reportType: string,
    location: Record<string, unknown>,
  ) => ({ id: `gid://gitlab/Vulnerability/${id}`, title, severity, state, reportType, location })
  const vulnerabilities = [
    vulnerability(567, 'SQL injection in login', 'CRITICAL', 'DETECTED', 'SAST', {
      __typename: 'VulnerabilityLocationSast',
      file: 'app/login.rb',
      startLine: '3',
    }),
    vulnerability(568, 'Leaked key', 'HIGH', 'CONFIRMED', 'SECRET_DETECTION', {
      __typename: 'VulnerabilityLocationSecretDetection',
      file: 'config/secrets.yml',
      startLine: '2',
    }),
    vulnerability(569, 'Old rack', 'LOW', 'DETECTED', 'DEPENDENCY_SCANNING', {
      __typename: 'VulnerabilityLocationDependencyScanning',
      file: 'Gemfile.lock',
    }),
  ].map((v) => ({
    ...v,
    description: `${v.title}: details`,
    detectedAt: '2026-02-01T00:00:00Z',
    webUrl: `${data.gitlabUrl}/gitlab-org/gitlab-test/-/security/vulnerabilities/${gidNumber(v.id)}`,
    solution: 'Upgrade',
    scanner: { name: 'Semgrep', vendor: 'GitLab' },
    primaryIdentifier: {
      name: 'CWE-89',
      externalType: 'cwe',
      externalId: '89',
      url: 'https://cwe.mitre.org/data/definitions/89.html',
    },
    identifiers: [{ name: 'CWE-89', externalType: 'cwe', externalId: '89', url: null }],
    project: () => containerView(project),
  }))

  const user = (id: number) => {
    const found = [data.currentUser, { id: 5, username: 'alice', name: 'Alice Liddell' }].find(
      (u) => u.id === id,
    ) ?? { id, username: `user${id}`, name: `User ${id}` }
    return {
      id: `gid://gitlab/User/${found.id}`,
      username: found.username,
      name: found.name,
      webUrl: `${data.gitlabUrl}/${String(found.username)}`,
    }
  }
  const page = <T>(nodes: T[], args: { first?: number | null; after?: string | null }) => {
    const start = args.after ? Number(args.after) : 0
    const end = args.first ? start + args.first : nodes.length
    const slice = nodes.slice(start, end)
    const pageInfo = {
      hasNextPage: end < nodes.length,
      hasPreviousPage: start > 0,
      startCursor: String(start),
      endCursor: slice.length ? String(end) : null,
    }
    return { count: nodes.length, nodes: slice, pageInfo }
  }

  function itemView(item: WorkItemRecord): Record<string, unknown> {
    const webPath = item.container.kind === 'group' ? `groups/${item.container.path}` : item.container.path
    const kindPath = item.type === 'Epic' ? 'epics' : item.type === 'Issue' ? 'issues' : 'work_items'
    const widgets = [
      { __typename: 'WorkItemWidgetDescription', type: 'DESCRIPTION', description: item.description },
      {
        __typename: 'WorkItemWidgetAssignees',
        type: 'ASSIGNEES',
        assignees: { nodes: item.assigneeIds.map(user) },
      },
      {
        __typename: 'WorkItemWidgetLabels',
        type: 'LABELS',
        labels: {
          nodes: item.labelIds.map((id) => ({ id, title: `label-${gidNumber(id)}`, color: '#ff0000' })),
        },
      },
      {
        __typename: 'WorkItemWidgetHierarchy',
        type: 'HIERARCHY',
        hasChildren: items.some((c) => c.parentId === item.id),
        parent: () => {
          const p = items.find((c) => c.id === item.parentId)
          return p ? itemView(p) : null
        },
        children: () => page(items.filter((c) => c.parentId === item.id).map(itemView), {}),
      },
      {
        __typename: 'WorkItemWidgetStartAndDueDate',
        type: 'START_AND_DUE_DATE',
        startDate: item.startDate,
        dueDate: item.dueDate,
        isFixed: item.isFixed,
      },
      { __typename: 'WorkItemWidgetHealthStatus', type: 'HEALTH_STATUS', healthStatus: item.healthStatus },
      { __typename: 'WorkItemWidgetMilestone', type: 'MILESTONE', milestone: null },
      {
        __typename: 'WorkItemWidgetNotes',
        type: 'NOTES',
        discussionLocked: false,
        discussions: (args: { first?: number; after?: string }) =>
          page(
            item.discussions.map((d) => ({
              id: d.id,
              resolved: false,
              createdAt: d.notes[0]?.createdAt,
              notes: {
                nodes: d.notes.map((n) => ({
                  ...n,
                  id: `gid://gitlab/Note/${n.id}`,
                  author: user(n.authorId),
                })),
              },
            })),
            args,
          ),
      },
    ]
    return {
      id: `gid://gitlab/WorkItem/${item.id}`,
      iid: String(item.iid),
      title: item.title,
      description: item.description,
      state: item.state,
      confidential: item.confidential,
      createdAt: item.createdAt,
      updatedAt: item.createdAt,
      closedAt: item.state === 'CLOSED' ? item.createdAt : null,
      webUrl: `${data.gitlabUrl}/${webPath}/-/${kindPath}/${item.iid}`,
      author: user(item.authorId),
      workItemType: { id: typeGid(item.type), name: item.type },
      widgets: (args: { onlyTypes?: string[] }) =>
        widgets.filter((w) => !args.onlyTypes || args.onlyTypes.includes(w.type)),
    }
  }

  function containerView(container: WorkItemRecord['container']): Record<string, unknown> {
    const types = container.kind === 'project' ? PROJECT_TYPES : GROUP_TYPES
    const own = () =>
      items.filter((i) => i.container.kind === container.kind && i.container.id === container.id)
    return {
      id:
        container.kind === 'project'
          ? `gid://gitlab/Project/${container.id}`
          : `gid://gitlab/Group/${container.id}`,
      name: container.path.split('/').pop(),
      fullPath: container.path,
      webUrl: `${data.gitlabUrl}/${container.path}`,
      workItems: (args: Record<string, unknown>) => {
        const state = args.state === 'opened' ? 'OPEN' : args.state === 'closed' ? 'CLOSED' : undefined
        const search = typeof args.search === 'string' ? args.search.toLowerCase() : undefined
        const typeNames = Array.isArray(args.types)
          ? args.types.map((t) => String(t).replace('_', ' ').toLowerCase())
          : undefined
        const found = own().filter(
          (i) =>
            (args.iid === undefined || String(i.iid) === args.iid) &&
            (!state || i.state === state) &&
            (!search || i.title.toLowerCase().includes(search)) &&
            (!typeNames || typeNames.includes(i.type.toLowerCase())) &&
            (args.authorUsername === undefined || user(i.authorId).username === args.authorUsername),
        )
        if (args.sort === 'CREATED_ASC') found.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        else found.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        return page(found.map(itemView), args as { first?: number; after?: string })
      },
      workItemTypes: () => ({ nodes: types.map((name) => ({ id: typeGid(name), name })) }),
      vulnerabilities: (args: {
        severity?: string[]
        reportType?: string[]
        first?: number
        after?: string
      }) => {
        const wanted = (v: (typeof vulnerabilities)[number]) =>
          (!args.severity || args.severity.includes(v.severity)) &&
          (!args.reportType || args.reportType.includes(v.reportType))
        return page(container.id === 7 ? vulnerabilities.filter(wanted) : [], args)
      },
    }
  }

  const findContainer = (fullPath: string, kinds: ('project' | 'group')[]) => {
    const path = fullPath.toLowerCase()
    if (kinds.includes('project') && path === project.path) return project
    if (kinds.includes('group') && path === group.path) return group
    return undefined
  }
  const findItem = (gid: string) => items.find((i) => `gid://gitlab/WorkItem/${i.id}` === gid)

  function applyWidgets(item: WorkItemRecord, input: Record<string, any>): void {
    if (input.title !== undefined) item.title = input.title
    if (input.confidential !== undefined) item.confidential = input.confidential
    if (input.stateEvent) item.state = input.stateEvent === 'CLOSE' ? 'CLOSED' : 'OPEN'
    if (input.descriptionWidget) item.description = input.descriptionWidget.description
    if (input.assigneesWidget) item.assigneeIds = input.assigneesWidget.assigneeIds.map(gidNumber)
    if (input.labelsWidget?.labelIds) item.labelIds = input.labelsWidget.labelIds
    if (input.labelsWidget?.addLabelIds)
      item.labelIds = [...new Set([...item.labelIds, ...input.labelsWidget.addLabelIds])]
    if (input.labelsWidget?.removeLabelIds)
      item.labelIds = item.labelIds.filter((id) => !input.labelsWidget.removeLabelIds.includes(id))
    if (input.startAndDueDateWidget) Object.assign(item, input.startAndDueDateWidget)
    if (input.healthStatusWidget) item.healthStatus = input.healthStatusWidget.healthStatus
    if (input.hierarchyWidget?.parentId) item.parentId = findItem(input.hierarchyWidget.parentId)?.id ?? null
  }

  const rootValue = {
    project: ({ fullPath }: { fullPath: string }) => {
      const c = findContainer(fullPath, ['project'])
      return c ? containerView(c) : null
    },
    // A project's own namespace answers too (GitLab's ProjectNamespace), as `namespace(fullPath:)` finds it.
    namespace: ({ fullPath }: { fullPath: string }) => {
      const c = findContainer(fullPath, ['group', 'project'])
      return c ? containerView(c) : null
    },
    vulnerability: ({ id }: { id: string }) => vulnerabilities.find((v) => v.id === id) ?? null,
    workItemCreate: ({ input }: { input: Record<string, any> }) => {
      const container = findContainer(String(input.namespacePath ?? input.projectPath ?? ''), [
        'group',
        'project',
      ])
      if (!container) throw notFound()
      const type = TYPES.find(([name]) => typeGid(name) === input.workItemTypeId)?.[0]
      const allowed = container.kind === 'project' ? PROJECT_TYPES : GROUP_TYPES
      if (!type || !allowed.includes(type))
        return { workItem: null, errors: [`${type ?? 'This type'} is not allowed in this ${container.kind}`] }
      if (String(input.title).trim() === '') return { workItem: null, errors: ["Title can't be blank"] }
      const iid = Math.max(0, ...items.filter((i) => i.container === container).map((i) => i.iid)) + 1
      const item: WorkItemRecord = {
        ...base,
        id: ++nextId,
        iid,
        container,
        type,
        title: input.title,
        description: null,
        state: 'OPEN',
        authorId: data.currentUser.id as number,
        discussions: [],
        createdAt: '2026-02-10T12:00:00Z',
      }
      applyWidgets(item, { ...input, title: undefined })
      items.push(item)
      return { workItem: itemView(item), errors: [] }
    },
    workItemUpdate: ({ input }: { input: Record<string, any> }) => {
      const item = findItem(input.id)
      if (!item) throw notFound()
      applyWidgets(item, input)
      return { workItem: itemView(item), errors: [] }
    },
    createNote: ({ input }: { input: Record<string, any> }) => {
      const item = findItem(input.noteableId)
      if (!item) throw notFound()
      if (String(input.body).trim() === '') return { note: null, errors: ["Note can't be blank"] }
      const record = note(++nextId, input.body, data.currentUser.id as number, '2026-02-10T12:00:00Z')
      record.internal = input.internal === true
      if (input.discussionId) {
        const discussion = item.discussions.find((d) => d.id === input.discussionId)
        if (!discussion) return { note: null, errors: ['Discussion to reply to cannot be found'] }
        discussion.notes.push(record)
      } else
        item.discussions.push({
          id: `gid://gitlab/IndividualNoteDiscussion/${record.id.toString(16)}`,
          notes: [record],
        })
      return {
        note: { ...record, id: `gid://gitlab/Note/${record.id}`, author: user(record.authorId) },
        errors: [],
      }
    },
  }

  const ROOTS = new Set([
    'project',
    'namespace',
    'vulnerability',
    'workItemCreate',
    'workItemUpdate',
    'createNote',
  ])
  rails.onGraphql(
    (request: GraphqlRequest) => request.rootFields.some((field) => ROOTS.has(field)),
    async (request) => {
      const { query: source, variables: variableValues, operationName } = request
      return (await graphql({
        schema: workItemsSchema,
        source,
        rootValue,
        variableValues,
        operationName,
      })) as GraphqlResult
    },
  )
  return { items, vulnerabilities }
}
