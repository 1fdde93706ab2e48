/**
 * The rules under the chat agent's tools: GitLab URLs and ids (src/agent-platform/tools/urls.ts),
 * `.gitignore` matching for exclusion rules and the deny-list (gitignore.ts, paths.ts), the
 * argument check every call goes through (args.ts), and run_command's argument splitting.
 */
import { describe, expect, it } from 'vitest'
import { checkArguments, params, s, ToolError } from '../../src/agent-platform/tools/args.ts'
import { splitArguments } from '../../src/agent-platform/tools/command.ts'
import { compileRules, ignoredBy } from '../../src/agent-platform/tools/gitignore.ts'
import { checkPath, ExclusionPolicy } from '../../src/agent-platform/tools/paths.ts'
import {
  locateCommit,
  locateJob,
  locateMergeRequest,
  locateProject,
  locateWorkItem,
  parseBlobUrl,
  restId,
} from '../../src/agent-platform/tools/urls.ts'

const GL = 'https://gitlab.example.com'

describe('GitLab URLs and ids', () => {
  it('reads project paths, merge request iids, job ids and commit SHAs from URLs of the instance', () => {
    expect(locateMergeRequest({ url: `${GL}/group/sub/app/-/merge_requests/42/diffs` }, GL)).toEqual({
      project: 'group/sub/app',
      iid: 42,
    })
    expect(locateJob({ url: `${GL}/group/app/-/jobs/900` }, GL)).toEqual({ project: 'group/app', jobId: 900 })
    expect(
      locateCommit({ url: `${GL}/group/app/-/commit/6104942438c14ec7bd21c6cd5bd995272b3faff6` }, GL).sha,
    ).toBe('6104942438c14ec7bd21c6cd5bd995272b3faff6')
    expect(locateProject({ url: `${GL}/group/app` }, GL)).toEqual({ project: 'group/app' })
    expect(parseBlobUrl(`${GL}/group/app/-/blob/main/src/a%20b.rb`, GL)).toEqual({
      project: 'group/app',
      ref: 'main',
      filePath: 'src/a b.rb',
    })
  })

  it('tells group and project work items apart, for work_items, issues and epics URLs', () => {
    expect(locateWorkItem({ url: `${GL}/groups/gitlab-org/-/epics/3` }, GL)).toEqual({
      parent: { kind: 'group', ref: 'gitlab-org' },
      iid: 3,
    })
    expect(locateWorkItem({ url: `${GL}/gitlab-org/app/-/issues/5` }, GL)).toEqual({
      parent: { kind: 'project', ref: 'gitlab-org/app' },
      iid: 5,
    })
    expect(locateWorkItem({ url: `${GL}/gitlab-org/app/-/work_items/6` }, GL)).toEqual({
      parent: { kind: 'project', ref: 'gitlab-org/app' },
      iid: 6,
    })
    expect(locateWorkItem({ project_id: 'gitlab-org%2Fapp', work_item_iid: 2 }, GL)).toEqual({
      parent: { kind: 'project', ref: 'gitlab-org/app' },
      iid: 2,
    })
    expect(locateWorkItem({ group_id: 2, work_item_iid: 2 }, GL)).toEqual({
      parent: { kind: 'group', ref: 2 },
      iid: 2,
    })
  })

  it('honours an instance under a sub-path, and refuses other hosts and paths outside it', () => {
    const base = 'https://example.com/gitlab'
    expect(locateMergeRequest({ url: 'https://example.com/gitlab/g/app/-/merge_requests/1' }, base)).toEqual({
      project: 'g/app',
      iid: 1,
    })
    expect(() =>
      locateMergeRequest({ url: 'https://example.com/other/g/app/-/merge_requests/1' }, base),
    ).toThrow(/not under/)
    expect(() => locateProject({ url: 'https://evil.example.net/g/app' }, GL)).toThrow(
      /not on this GitLab instance/,
    )
    expect(() => locateProject({ url: 'not a url at all ::' }, 'not-a-base')).toThrow()
  })

  it('takes project_id as a number, a numeric string, a path or a URL-encoded path, and encodes it once for REST', () => {
    expect(locateProject({ project_id: 13 }, GL).project).toBe(13)
    expect(locateProject({ project_id: '13' }, GL).project).toBe(13)
    expect(locateProject({ project_id: 'group%2Fapp' }, GL).project).toBe('group/app')
    expect(restId('group/app')).toBe('group%2Fapp')
    expect(restId(13)).toBe('13')
  })

  it('says what is missing or contradictory', () => {
    expect(() => locateMergeRequest({}, GL)).toThrow(
      "'project_id' must be provided when 'url' is not; 'merge_request_iid' must be provided when 'url' is not",
    )
    expect(() =>
      locateMergeRequest({ url: `${GL}/g/app/-/merge_requests/4`, merge_request_iid: 5 }, GL),
    ).toThrow(/merge_request_iid mismatch/)
    expect(() =>
      locateMergeRequest({ url: `${GL}/g/app/-/merge_requests/4`, project_id: 'g/other' }, GL),
    ).toThrow(/Project ID mismatch/)
    // A numeric id next to a URL is not comparable: the URL wins (GitLab's service wrongly refuses this).
    expect(locateMergeRequest({ url: `${GL}/g/app/-/merge_requests/4`, project_id: 7 }, GL)).toEqual({
      project: 'g/app',
      iid: 4,
    })
    expect(() => locateMergeRequest({ url: `${GL}/g/app/-/issues/4` }, GL)).toThrow(/not a merge request URL/)
    expect(() => locateProject({ url: `${GL}/groups/g` }, GL)).toThrow(/group page/)
  })
})

describe('.gitignore rules', () => {
  const excluded = (rules: string[], path: string, isDir = false) =>
    ignoredBy(compileRules(rules), path, isDir)?.pattern

  it('matches names at any depth without a slash, anchors with one, and globs', () => {
    expect(excluded(['*.key'], 'a/b/c.key')).toBe('*.key')
    expect(excluded(['/config/*.yml'], 'config/secrets.yml')).toBe('/config/*.yml')
    expect(excluded(['/config/*.yml'], 'app/config/secrets.yml')).toBeUndefined()
    expect(excluded(['docs/**/*.pdf'], 'docs/a/b/c.pdf')).toBe('docs/**/*.pdf')
    expect(excluded(['**/fixtures'], 'spec/fixtures/x.json')).toBe('**/fixtures')
    expect(excluded(['secret?.txt'], 'secret1.txt')).toBe('secret?.txt')
    expect(excluded(['[ab].txt'], 'c.txt')).toBeUndefined()
    expect(excluded(['# comment', '', 'x'], 'x')).toBe('x')
  })

  it('lets the last match win, and keeps files under an excluded directory excluded', () => {
    expect(excluded(['*.key', '!public.key'], 'public.key')).toBeUndefined()
    expect(excluded(['secrets/', '!secrets/ok.txt'], 'secrets/ok.txt')).toBe('secrets/')
    expect(excluded(['build/'], 'build')).toBeUndefined() // a file named build is not the directory
    expect(excluded(['build/'], 'build', true)).toBe('build/')
  })
})

describe('path safety', () => {
  it('refuses traversal in plain and encoded forms', () => {
    for (const path of [
      '../etc/passwd',
      'a/../../b',
      '..\\windows',
      '%2e%2e/x',
      '%252e%252e/x',
      'a/%2E%2E/b',
    ]) {
      expect(() => checkPath(path), path).toThrow(/path traversal/)
    }
  })

  it('refuses the sensitive paths of the deny-list at any depth and in any case, but not .env.example', () => {
    for (const path of [
      '.env',
      '.env.production',
      'app/.env',
      '.git/config',
      '.ssh/id_rsa',
      '.vscode/settings.json',
      '.gitlab/duo/rules.md',
      'Dockerfile.secrets',
      '.ENV',
      './.git',
    ]) {
      expect(() => checkPath(path), path).toThrow(/Access denied/)
    }
    for (const path of [
      '.env.example',
      'src/app.ts',
      '.gitlab-ci.yml',
      'docs/.gitlab/duo-notes.md',
      'environment.ts',
    ]) {
      expect(() => checkPath(path), path).not.toThrow()
    }
  })

  it('applies the project exclusion rules', () => {
    const policy = new ExclusionPolicy(['*.pem', 'config/secrets.yml'])
    expect(policy.partition(['a.pem', 'config/secrets.yml', 'README.md', './b/c.pem'])).toEqual({
      allowed: ['README.md'],
      excluded: ['a.pem', 'config/secrets.yml', './b/c.pem'],
    })
  })
})

describe('argument checking', () => {
  const schema = params(
    {
      project_id: s.idOrPath(),
      merge_request_iid: s.integer(),
      squash: s.boolean(),
      ids: s.array(s.integer()),
      state: s.enum(['opened', 'closed']),
      per_page: s.integer(undefined, { minimum: 1, maximum: 100 }),
    },
    ['project_id'],
  )

  it("coerces what GitLab's service coerces, drops nulls and unknown names", () => {
    expect(
      checkArguments(schema, {
        project_id: 'g/app',
        merge_request_iid: '12',
        squash: 'true',
        ids: ['1', 2],
        extra: 1,
        state: null,
      }),
    ).toEqual({
      project_id: 'g/app',
      merge_request_iid: 12,
      squash: true,
      ids: [1, 2],
    })
  })

  it('names the argument and what it must be', () => {
    const fails = (args: Record<string, unknown>) => {
      try {
        checkArguments(schema, args)
      } catch (error) {
        expect(error).toBeInstanceOf(ToolError)
        return (error as Error).message
      }
      return 'no error'
    }
    expect(fails({})).toBe('project_id is required')
    expect(fails({ project_id: 1, merge_request_iid: 'twelve' })).toBe(
      'merge_request_iid must be an integer, not string',
    )
    expect(fails({ project_id: 1, merge_request_iid: 1.5 })).toBe(
      'merge_request_iid must be an integer, not number',
    )
    expect(fails({ project_id: { a: 1 } })).toBe('project_id must be an integer or a string')
    expect(fails({ project_id: 1, state: 'merged' })).toBe('state must be one of "opened", "closed"')
    expect(fails({ project_id: 1, per_page: 500 })).toBe('per_page must be at most 100')
    expect(fails({ project_id: 1, ids: [1, 'x'] })).toBe('ids[1] must be an integer, not string')
  })
})

describe("run_command's argument splitting", () => {
  it('splits like a shell: quotes group, backslashes escape', () => {
    expect(splitArguments(`commit -m "fix the bug" --author='A B' a\\ b`)).toEqual([
      'commit',
      '-m',
      'fix the bug',
      '--author=A B',
      'a b',
    ])
    expect(splitArguments(`  -v   x  `)).toEqual(['-v', 'x'])
    expect(splitArguments(`"say \\"hi\\"" ''`)).toEqual(['say "hi"', ''])
    expect(() => splitArguments(`-m "open`)).toThrow(/unterminated double quote/)
  })
})
