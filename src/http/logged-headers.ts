/**
 * The request headers the access log records, and how much of each. GitLab Rails sends them with
 * every AI call (gitlab-client §2.1); none changes an answer, so any value is accepted, and the
 * log keeps a bounded, token-free copy: a header GitLab never sends that large must not turn one
 * log line into 16 KiB, and a credential pasted into the wrong header must not reach the logs.
 */

/**
 * Log field → request header. GitLab's field names where its gateway logs the header (§2.3); the
 * 18.x additions (`newest [F]` in §2.1), which it does not name, as `gitlab_` + the header's rest.
 */
export const LOGGED_HEADERS: Readonly<Record<string, string>> = {
  gitlab_instance_id: 'x-gitlab-instance-id',
  gitlab_global_user_id: 'x-gitlab-global-user-id',
  gitlab_host_name: 'x-gitlab-host-name',
  gitlab_version: 'x-gitlab-version',
  gitlab_realm: 'x-gitlab-realm',
  gitlab_feature_enablement_type: 'x-gitlab-feature-enablement-type',
  gitlab_language_server_version: 'x-gitlab-language-server-version',
  gitlab_deployment_type: 'x-gitlab-deployment-type',
  gitlab_user_id: 'x-gitlab-user-id',
  gitlab_subject_type: 'x-gitlab-subject-type',
  gitlab_namespace_id: 'x-gitlab-namespace-id',
  gitlab_root_namespace_id: 'x-gitlab-root-namespace-id',
  gitlab_organization_id: 'x-gitlab-organization-id',
  gitlab_project_id: 'x-gitlab-project-id',
  gitlab_client_type: 'x-gitlab-client-type',
  gitlab_client_version: 'x-gitlab-client-version',
  gitlab_client_name: 'x-gitlab-client-name',
  gitlab_interface: 'x-gitlab-interface',
  user_agent: 'user-agent',
}

const LOGGED_HEADER_ENTRIES = Object.entries(LOGGED_HEADERS)

/** Longer than any value GitLab sends (ids, versions, a user agent), short enough for a log line. */
export const MAX_LOGGED_HEADER_CHARS = 256

/** A JWT (GitLab's tokens are all JWTs): three base64url parts, the first a JSON object (`eyJ`). */
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g

/** The recorded headers of a request, by log field; absent headers are left out, empty ones kept. */
export function loggedHeaders(headers: Headers): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [field, header] of LOGGED_HEADER_ENTRIES) {
    const value = headers.get(header)
    if (value !== null) fields[field] = loggedValue(value)
  }
  return fields
}

/** `value` with any token replaced, cut to MAX_LOGGED_HEADER_CHARS with a note of its full length. */
export function loggedValue(value: string): string {
  const clean = value.includes('eyJ') ? value.replace(JWT, '[redacted token]') : value
  if (clean.length <= MAX_LOGGED_HEADER_CHARS) return clean
  return `${clean.slice(0, MAX_LOGGED_HEADER_CHARS)}…[cut: ${clean.length} characters]`
}
