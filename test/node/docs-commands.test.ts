/**
 * The documentation's commands, run as written: the README's mock-mode walkthrough (its `npm start`
 * line, then each curl, compared with the output shown under it) and the quick start's checks, the
 * Agent Platform port's included, on a real gateway; docs/kubernetes.md's `helm upgrade --install`
 * line rendered by `helm template`; docs/agent-platform.md's signing-key command. Only the ports
 * (5052 and 50052 in the docs) and the docs' <placeholders> are replaced.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAgentPlatformSettings } from '../../src/agent-platform/settings.ts'
import { importRsaPrivateKeyPem } from '../../src/auth/pem.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { helm, manifests, requireTools } from './helm.ts'
import { freePort, ROOT, startProcess, type Started } from './processes.ts'

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

/** The text of a section, from its heading to the next heading of the same or a higher level (not a `#` line of code). */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n')
  const start = lines.indexOf(heading)
  if (start < 0) throw new Error(`no section "${heading}"`)
  const level = /^#+/.exec(heading)![0].length
  let inCode = false
  let end = lines.length
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i]!.startsWith('```')) inCode = !inCode
    else if (!inCode && new RegExp(`^#{1,${level}} `).test(lines[i]!)) {
      end = i
      break
    }
  }
  return lines.slice(start + 1, end).join('\n')
}

function shellBlocks(text: string): string[] {
  return [...text.matchAll(/^```(?:sh|shell)\n([\s\S]*?)^```/gm)].map((m) => m[1]!)
}

interface Documented {
  command: string
  /** The output shown with it: `# ` lines under it, or a comment at the end of its line. */
  shown: string[]
}

/** A block's commands (a command continues until the next one or its shown output) and their shown output. */
function documented(block: string, first: RegExp): Documented[] {
  const out: Documented[] = []
  for (const line of block.replace(/\n$/, '').split('\n')) {
    if (first.test(line)) {
      const [command, comment] = line.split(/\s{2,}# /) as [string, string | undefined]
      out.push({ command, shown: comment === undefined ? [] : [comment] })
    } else if (line.startsWith('#')) out.at(-1)!.shown.push(line.replace(/^# ?/, ''))
    else out.at(-1)!.command += `\n${line}`
  }
  return out
}

/** A shown line as a pattern: `...` stands for anything, the rest is literal. */
function pattern(shown: string): RegExp {
  return new RegExp(
    `^${shown
      .split('...')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  )
}

/** Compares what a command printed with what the docs show under it, where they show output. */
function expectShown(printed: string, shown: string[], command: string): void {
  if (shown.length === 0 || !/^[{]|^event: |^ok {3}/.test(shown[0]!)) return // prose, not output
  if (shown[0]!.startsWith('ok ')) {
    // A check's verdict lines, after what npm prints about the script it runs.
    const tail = printed.trimEnd().split('\n').slice(-shown.length)
    shown.forEach((line, i) => expect(tail[i], command).toMatch(pattern(line)))
    return
  }
  if (shown[0]!.startsWith('{')) {
    // One JSON document, maybe wrapped over lines, maybe followed by ": a remark".
    const json = /^(\{.*\})(?::\s.*)?$/.exec(shown.map((line) => line.trim()).join(''))![1]!
    expect(printed.trim(), command).toMatch(pattern(json))
    return
  }
  const lines = printed.replace(/\r\n/g, '\n').trimEnd().split('\n')
  expect(lines.length, command).toBe(shown.length)
  shown.forEach((line, i) => expect(lines[i], command).toMatch(pattern(line)))
}

describe('README: the quick start and mock-mode commands, run as written', () => {
  const readme = read('README.md')
  const mock = section(readme, '### Try it without a model (mock mode)')
  const [startBlock, ...curlBlocks] = shellBlocks(mock)
  let port: number
  let grpcPort: number
  let gateway: Started
  const onPort = (command: string) =>
    command
      .replaceAll('localhost:5052', `127.0.0.1:${port}`)
      .replaceAll('<this host>:5052', `127.0.0.1:${port}`)
      .replaceAll('<this host>:50052', `127.0.0.1:${grpcPort}`)

  beforeAll(async () => {
    port = await freePort()
    grpcPort = await freePort()
    expect(startBlock!.trim()).toBe(
      'AIGW_MOCK_MODEL_RESPONSES=true AIGW_AUTH__BYPASS_EXTERNAL=true npm start',
    )
    // The docs' ports are the default ones; the test's gateway takes free ones instead.
    const ports = `AIGW_FASTAPI__API_PORT=${port} DUO_WORKFLOW_PORT=${grpcPort}`
    gateway = await startProcess('bash', ['-c', `${ports} ${startBlock!.trim()}`], { port, env: {} })
  })
  afterAll(async () => {
    await gateway?.stop('SIGTERM')
  })

  it('has the walkthrough near the top, with the commands it runs', () => {
    expect(readme.indexOf('### Try it without a model (mock mode)')).toBeLessThan(
      readme.indexOf('## Documentation'),
    )
    expect(curlBlocks.flatMap((block) => documented(block, /^curl /))).toHaveLength(4)
  })

  it('each curl prints what the README shows under it', () => {
    for (const block of curlBlocks) {
      for (const { command, shown } of documented(block, /^curl /)) {
        const result = spawnSync('bash', ['-c', onPort(command)], { encoding: 'utf8', timeout: 10_000 })
        expect(result.status, command).toBe(0)
        expectShown(result.stdout, shown, command)
      }
    }
  })

  it("the quick start's checks answer as shown", () => {
    const checks = shellBlocks(section(readme, '## Quick start')).find((block) =>
      block.includes('/monitoring/healthz'),
    )!
    const commands = documented(checks, /^curl /)
    expect(commands.map((c) => c.command)).toEqual([
      'curl http://<this host>:5052/monitoring/healthz',
      'curl http://<this host>:5052/monitoring/ready',
    ])
    for (const { command, shown } of commands) {
      const result = spawnSync('bash', ['-c', `${onPort(command)} --fail --silent`], {
        encoding: 'utf8',
        timeout: 10_000,
      })
      expect(result.status, command).toBe(0)
      expectShown(result.stdout, shown, command)
    }
    expect(gateway.output()).toContain('"message":"AI gateway listening"')
  })

  it("the one `npm start` serves the Agent Platform port too: the quick start's check of it prints what is shown", () => {
    const block = shellBlocks(section(readme, '## Quick start')).find((b) =>
      b.includes('check:agent-platform'),
    )!
    const [check, ...rest] = documented(block, /^npm run /)
    expect(rest).toEqual([])
    expect(check!.command).toBe('npm run check:agent-platform -- <this host>:50052')
    expect(check!.shown).toHaveLength(2)
    const result = spawnSync('bash', ['-c', onPort(check!.command)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(result.status, result.stdout + result.stderr).toBe(0)
    expectShown(result.stdout, check!.shown.map(onPort), check!.command)
    expect(gateway.output()).toContain('"message":"Agent Platform service listening"')
  })
})

describe('docs/agent-platform.md: the signing-key command as written', () => {
  it('makes a key the Agent Platform accepts as DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY', async () => {
    const block = shellBlocks(section(read('docs/agent-platform.md'), '## The signing key (GenerateToken)'))
    expect(block).toHaveLength(1)
    const command = block[0]!.trim()
    expect(command).toBe('openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt -out dws-signing-key.pem')
    const dir = mkdtempSync(join(tmpdir(), 'aigw-docs-key-'))
    try {
      execFileSync('bash', ['-c', command], { cwd: dir, stdio: 'pipe' })
      const pem = readFileSync(join(dir, 'dws-signing-key.pem'), 'utf8')
      const settings = parseAgentPlatformSettings(
        { DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY: pem },
        { gitlabUrl: 'https://gitlab.example.com', customerPortalUrl: null },
      )
      expect(settings.selfSignedJwt.signingKey?.trim()).toBe(pem.trim())
      await importRsaPrivateKeyPem(settings.selfSignedJwt.signingKey!) // as the service imports it at start-up
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe.skipIf(!helm.path && !requireTools)('docs/kubernetes.md: the helm line as written, rendered', () => {
  it('renders with the placeholders filled: the image pushed, the existing Secret, the ingress unbuffered', () => {
    if (!helm.path) throw new Error(helm.why)
    const block = shellBlocks(section(read('docs/kubernetes.md'), '## Install with Helm'))[0]!
    const line = documented(block, /^(kubectl|helm) /).find((c) =>
      c.command.startsWith('helm upgrade --install'),
    )!.command
    const filled = line
      .replaceAll('<registry>', 'registry.example.com')
      .replaceAll('<version>', '0.1.0')
      .replaceAll('<your_gitlab_domain>', 'gitlab.example.com')
      .replaceAll('<your_gateway_domain>', 'aigw.example.com')
    expect(filled).not.toMatch(/<[a-z_]+>/)
    // The shell's own reading of the line (quotes, escapes, continuations): its arguments, one per NUL.
    const argv = execFileSync('bash', ['-c', filled.replace(/^helm /, "printf '%s\\0' ")], {
      encoding: 'utf8',
    })
      .split('\0')
      .slice(0, -1)
    expect(argv.slice(0, 2)).toEqual(['upgrade', '--install'])
    const rendered = execFileSync(helm.path, ['template', ...argv.slice(2)], { cwd: ROOT, encoding: 'utf8' })
    const objects = manifests(rendered)
    const deployment = objects.find((o) => o.kind === 'Deployment')!
    const ingress = objects.find((o) => o.kind === 'Ingress')!
    expect(deployment.metadata.namespace ?? 'ai-gateway').toBe('ai-gateway')
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.com/aigw-edge:0.1.0')
    expect(deployment.spec.template.spec.containers[0].envFrom).toEqual([
      { secretRef: { name: 'ai-gateway-keys' } },
    ])
    expect(ingress.spec.rules[0].host).toBe('aigw.example.com')
    expect(ingress.spec.tls).toEqual([{ secretName: 'ai-gateway-tls', hosts: ['aigw.example.com'] }])
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off')
  })
})
