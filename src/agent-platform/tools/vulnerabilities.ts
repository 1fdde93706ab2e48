/**
 * A project's vulnerabilities through GitLab's GraphQL API (spec §8.4, `read_only_gitlab`): the
 * list (`Project.vulnerabilities`, cursor-paged; GitLab's `page`/`per_page` are walked to) and
 * one vulnerability's details (`Query.vulnerability`).
 */
import { arg, params, s, ToolError } from './args.ts'
import { defineTool } from './define.ts'
import { isRecord, json } from './http.ts'
import type { AgentTool } from './tool.ts'

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO', 'UNKNOWN'] as const
const REPORT_TYPES = [
  'SAST',
  'DEPENDENCY_SCANNING',
  'CONTAINER_SCANNING',
  'DAST',
  'SECRET_DETECTION',
  'COVERAGE_FUZZING',
  'API_FUZZING',
  'CLUSTER_IMAGE_SCANNING',
  'CONTAINER_SCANNING_FOR_REGISTRY',
  'GENERIC',
] as const

/** At most this many pages are walked for one call (GitLab's service has no bound; a model reading 10 000 findings helps no one). */
export const MAX_VULNERABILITY_PAGES = 10

const LOCATION = /* GraphQL */ `
  location {
    ... on VulnerabilityLocationSast { file startLine endLine }
    ... on VulnerabilityLocationSecretDetection { file startLine endLine }
    ... on VulnerabilityLocationDependencyScanning { file }
    ... on VulnerabilityLocationContainerScanning { image operatingSystem }
    ... on VulnerabilityLocationDast { hostname path }
  }
`

export const LIST_VULNERABILITIES_QUERY = /* GraphQL */ `
  query ListVulnerabilities(
    $fullPath: ID!, $severity: [VulnerabilitySeverity!], $reportType: [VulnerabilityReportType!], $first: Int, $after: String
  ) {
    project(fullPath: $fullPath) {
      vulnerabilities(severity: $severity, reportType: $reportType, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id title severity state reportType detectedAt webUrl
          primaryIdentifier { name externalType externalId }
          ${LOCATION}
        }
      }
    }
  }
`

export const VULNERABILITY_DETAILS_QUERY = /* GraphQL */ `
  query GetVulnerability($id: VulnerabilityID!) {
    vulnerability(id: $id) {
      id title description severity state reportType detectedAt confirmedAt resolvedAt dismissedAt webUrl solution
      project { id fullPath name }
      scanner { name vendor }
      primaryIdentifier { name externalType externalId url }
      identifiers { name externalType externalId url }
      ${LOCATION}
    }
  }
`

interface Page {
  nodes: unknown[]
  hasNextPage: boolean
  endCursor: string | null
}

function pageOf(data: unknown, fullPath: string): Page {
  const project = isRecord(data) ? data.project : undefined
  if (!isRecord(project))
    throw new ToolError(`Project '${fullPath}' was not found, or is not visible to this user`)
  const connection = isRecord(project.vulnerabilities) ? project.vulnerabilities : {}
  const info = isRecord(connection.pageInfo) ? connection.pageInfo : {}
  return {
    nodes: Array.isArray(connection.nodes) ? connection.nodes : [],
    hasNextPage: info.hasNextPage === true,
    endCursor: typeof info.endCursor === 'string' ? info.endCursor : null,
  }
}

const listVulnerabilities = defineTool({
  name: 'list_vulnerabilities',
  description:
    "Lists a project's security vulnerabilities (from its security scanners), filtered by severity and report type.",
  parameters: params(
    {
      project_full_path: s.string("The project's full path, e.g. 'group/project'."),
      severity: s.array(s.enum(SEVERITIES), 'Only these severities.'),
      report_type: s.array(s.enum(REPORT_TYPES), 'Only findings of these scanner types.'),
      per_page: s.integer('Vulnerabilities per page, 1 to 100.', { default: 100, minimum: 1, maximum: 100 }),
      page: s.integer('Page number, from 1 (when not fetching all pages).', { default: 1, minimum: 1 }),
      fetch_all_pages: s.boolean('Fetch every page (up to 1000 vulnerabilities) instead of one.', {
        default: true,
      }),
    },
    ['project_full_path'],
  ),
  privilege: 'read_only_gitlab',
  describe: (args) => `List vulnerabilities in ${String(args.project_full_path)}`,
  run: async (args, context) => {
    const fullPath = arg.str(args, 'project_full_path') as string
    const perPage = arg.int(args, 'per_page') ?? 100
    const all = arg.bool(args, 'fetch_all_pages') ?? true
    const wanted = all ? 1 : (arg.int(args, 'page') ?? 1)
    const variables = { fullPath, severity: args.severity, reportType: args.report_type, first: perPage }
    const vulnerabilities: unknown[] = []
    let after: string | null = null
    let page = 1
    let more = false
    for (let fetched = 0; fetched < MAX_VULNERABILITY_PAGES + wanted - 1; fetched++, page++) {
      const current = pageOf(
        await context.graphql(LIST_VULNERABILITIES_QUERY, { ...variables, after }),
        fullPath,
      )
      if (page >= wanted) vulnerabilities.push(...current.nodes)
      more = current.hasNextPage
      after = current.endCursor
      if (!more || after === null || (!all && page >= wanted)) break
    }
    return json({ vulnerabilities, page: all ? null : wanted, more_pages: more })
  },
})

const getVulnerabilityDetails = defineTool({
  name: 'get_vulnerability_details',
  description:
    'Reads one vulnerability by its numeric ID: description, severity, state, location, identifiers (CVE, CWE...) and the suggested ' +
    'solution.',
  parameters: params(
    { vulnerability_id: s.string("The vulnerability's numeric ID (not its UUID), e.g. '567'.") },
    ['vulnerability_id'],
  ),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read vulnerability ${String(args.vulnerability_id)}`,
  run: async (args, context) => {
    const raw = (arg.str(args, 'vulnerability_id') as string).trim()
    const id = /^\d+$/.test(raw) ? `gid://gitlab/Vulnerability/${raw}` : raw
    if (!/^gid:\/\/gitlab\/Vulnerability\/\d+$/.test(id))
      throw new ToolError('vulnerability_id must be the numeric ID of a vulnerability')
    const data = await context.graphql(VULNERABILITY_DETAILS_QUERY, { id })
    const vulnerability = isRecord(data) ? data.vulnerability : undefined
    if (!isRecord(vulnerability))
      throw new ToolError(`Vulnerability ${raw} was not found, or is not visible to this user`)
    return json({ vulnerability })
  },
})

export const VULNERABILITY_TOOLS: readonly AgentTool[] = [listVulnerabilities, getVulnerabilityDetails]
