/**
 * The GitLab version a session's metadata names (`x-gitlab-version`, e.g. `18.9.0-pre`): some of
 * the service's behaviour depends on it (spec §4.1, §7.1). An unreadable or absent version counts
 * as 18.2, the oldest GitLab with this service, as GitLab's service does.
 */
const OLDEST: readonly [number, number] = [18, 2]

export function gitlabVersion(value: string | undefined): readonly [number, number] {
  const match = value ? /^\s*v?(\d+)\.(\d+)/.exec(value) : null
  return match ? [Number(match[1]), Number(match[2])] : OLDEST
}

export function versionAtLeast(value: string | undefined, major: number, minor: number): boolean {
  const [have, haveMinor] = gitlabVersion(value)
  return have > major || (have === major && haveMinor >= minor)
}
