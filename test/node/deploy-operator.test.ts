/**
 * The Helm chart on a first-time operator's path: an image that does not exist is refused at
 * render time with what to set, `--version` behaves as NOTES and docs say, NOTES explain readiness,
 * and streamed answers are not buffered by ingress-nginx. The Agent Platform's gRPC port: served by
 * default, turned off, over TLS from a Secret, its signing key, its own Ingress, and NOTES saying
 * what to enter in GitLab. Needs helm (see helm.ts); skips without it unless AIGW_TEST_REQUIRE_K8S_TOOLS=1.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  CHART,
  container,
  fill,
  find,
  helm,
  helmNotes,
  helmRender,
  helmTemplate,
  IMAGE_SET,
  manifests,
  REGISTRY,
} from './helm.ts'
import { requireTools, SEED_SETS } from './helm.ts'
import type { K8sObject } from './helm.ts'

const chartVersion = (parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string }).version
const image = ['--set', fill(IMAGE_SET, '')]

describe.skipIf(!helm.path && !requireTools)('Helm chart: the operator path', () => {
  beforeAll(() => {
    if (!helm.path) throw new Error(helm.why)
  })

  it('refuses to render an image that does not exist, saying what to set', () => {
    // GitLab's line as it is: no repository (there is no published aigw-edge image).
    expect(() => helmRender(SEED_SETS.flatMap((s) => ['--set', s]))).toThrow(
      /image\.repository is not set\. There is no published aigw-edge image: build it .*--set image\.repository=<registry>\/aigw-edge/,
    )
    // GitLab's image tag, copied from its guide, with our repository.
    expect(() => helmRender([...image, '--set', 'image.tag=self-hosted-v17.5.0-ee'])).toThrow(
      /image\.tag=self-hosted-v17\.5\.0-ee is a tag of GitLab's own AI gateway image, not of aigw-edge/,
    )
    // The guide's placeholders left in.
    expect(() => helmRender(['--set', IMAGE_SET])).toThrow(/still holds a placeholder/)
    expect(() => helmRender([...image, '--set', 'image.tag=<ai-gateway-image>'])).toThrow(
      /still holds a placeholder/,
    )
    // An empty tag is the chart's appVersion.
    expect(container(helmTemplate([])).image).toBe(`${REGISTRY}/aigw-edge:0.1.0`)
  })

  it("--version is ignored for a chart directory or file: what renders is this chart's version, as NOTES say", () => {
    const label = (objects: K8sObject[]) => find(objects, 'Deployment')!.metadata.labels['helm.sh/chart']
    expect(label(helmTemplate(['--version', '0.1.1']))).toBe(`ai-gateway-${chartVersion}`)
    const packaged = mkdtempSync(join(tmpdir(), 'aigw-chart-package-'))
    try {
      execFileSync(helm.path!, ['package', CHART, '--destination', packaged], { stdio: 'pipe' })
      const tgz = join(packaged, `ai-gateway-${chartVersion}.tgz`)
      expect(label(manifests(helmRender([...image, '--version', '0.1.1'], tgz).stdout))).toBe(
        `ai-gateway-${chartVersion}`,
      )
    } finally {
      rmSync(packaged, { recursive: true, force: true })
    }
    expect(helmNotes(image)).toContain(`(chart ai-gateway ${chartVersion})`)
    expect(helmNotes(image)).toContain('helm ignores --version when the chart is a directory or a\n.tgz file')
  })

  it('NOTES: the image running, why a pod may not be ready and how to see why, no macOS-only command', () => {
    const notes = helmNotes(['-f', join(CHART, 'ci/seed-values.yaml')])
    expect(notes).toContain(`running the image ${REGISTRY}/aigw-edge:0.1.0`)
    expect(notes).toContain(
      'a pod turns Ready only once it has loaded the signing keys of https://gitlab.example.com',
    )
    expect(notes).toContain('kubectl --namespace ai-gateway logs deploy/ai-gateway')
    expect(notes).toContain(
      'kubectl --namespace ai-gateway exec deploy/ai-gateway -- node dist/node/doctor.mjs',
    )
    expect(notes).toContain('curl http://localhost:5052/monitoring/ready')
    expect(notes).toContain('https://aigw.example.com')
    expect(notes).not.toMatch(/^\s*open /m)
    expect(helmNotes(image)).toContain('WARNING: gitlab.url is not set')
  })

  it('ingress: streamed answers unbuffered by default (ingress-nginx), as in deploy/kustomize', () => {
    const seed = helmTemplate(['-f', join(CHART, 'ci/seed-values.yaml')])
    expect(find(seed, 'Ingress')!.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '600',
      'nginx.ingress.kubernetes.io/proxy-body-size': '10m',
    })
  })
})

describe.skipIf(!helm.path && !requireTools)('Helm chart: the Agent Platform service (gRPC)', () => {
  const seedValues = ['-f', join(CHART, 'ci/seed-values.yaml')]
  const env = (objects: K8sObject[]) =>
    Object.fromEntries(container(objects).env.map((e: { name: string; value: string }) => [e.name, e.value]))
  const ingresses = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Ingress')

  beforeAll(() => {
    if (!helm.path) throw new Error(helm.why)
  })

  it('NOTES: the Local URL to enter in GitLab (host:port, no scheme) and DUO_AGENT_PLATFORM_SERVICE_SECURE=false for plaintext', () => {
    const notes = helmNotes(seedValues)
    expect(notes).toContain(
      'Agent Platform service (Agentic Duo Chat, gRPC): port "grpc" (50052) of service ai-gateway, plaintext.',
    )
    expect(notes).toContain('"Local URL for the GitLab Duo Agent Platform service"')
    expect(notes).toContain(
      'ai-gateway.ai-gateway.svc.cluster.local:50052 from inside the cluster, DUO_AGENT_PLATFORM_SERVICE_SECURE=false',
    )
    expect(notes).toContain("gitlab_rails['env'] = { 'DUO_AGENT_PLATFORM_SERVICE_SECURE' => 'false' }")
    expect(notes).toContain('"GitLab Duo Agent Platform - Agentic Chat"')
    expect(notes).toContain('needs secrets.agentPlatformSigningKey')
    expect(notes).not.toMatch(/(grpc|https?):\/\/[^\s]*:50052/)
    // With the key given, NOTES stop asking for it.
    expect(helmNotes([...seedValues, '--set', 'secrets.agentPlatformSigningKey=x'])).not.toContain(
      'needs secrets.agentPlatformSigningKey',
    )
  })

  it('agentPlatform.enabled=false: DUO_WORKFLOW_PORT=0, no grpc port on the pod or the Service, no gRPC Ingress, NOTES say so', () => {
    const off = ['--set', 'agentPlatform.enabled=false', '--set', 'agentPlatform.ingress.enabled=true']
    const objects = helmTemplate([...seedValues, ...off])
    expect(env(objects).DUO_WORKFLOW_PORT).toBe('0')
    expect(container(objects).ports.map((p: { name: string }) => p.name)).toEqual(['http', 'metrics'])
    expect(find(objects, 'Service')!.spec.ports.map((p: { name: string }) => p.name)).toEqual([
      'http',
      'metrics',
    ])
    expect(ingresses(objects).map((o) => o.metadata.name)).toEqual(['ai-gateway'])
    const notes = helmNotes([...seedValues, ...off])
    expect(notes).toContain(
      'The Agent Platform service (Agentic Duo Chat, gRPC) is off: agentPlatform.enabled=false.',
    )
    expect(notes).not.toContain('Local URL')
  })

  it('agentPlatform.port moves the pod port, the Service port and DUO_WORKFLOW_PORT together', () => {
    const objects = helmTemplate([...seedValues, '--set', 'agentPlatform.port=50100'])
    expect(env(objects).DUO_WORKFLOW_PORT).toBe('50100')
    expect(container(objects).ports).toContainEqual({ name: 'grpc', containerPort: 50100, protocol: 'TCP' })
    expect(find(objects, 'Service')!.spec.ports).toContainEqual({
      name: 'grpc',
      port: 50100,
      targetPort: 'grpc',
      protocol: 'TCP',
    })
  })

  it("TLS from a kubernetes.io/tls Secret: mounted read-only, named in DUO_WORKFLOW_TLS__*; NOTES keep GitLab's secure default", () => {
    const tls = [...seedValues, '--set', 'agentPlatform.tls.secretName=agent-platform-tls']
    const objects = helmTemplate(tls)
    expect(env(objects)).toMatchObject({
      DUO_WORKFLOW_TLS__ENABLED: 'true',
      DUO_WORKFLOW_TLS__CERT_FILE: '/etc/aigw/agent-platform-tls/tls.crt',
      DUO_WORKFLOW_TLS__KEY_FILE: '/etc/aigw/agent-platform-tls/tls.key',
    })
    expect(container(objects).volumeMounts).toContainEqual({
      name: 'agent-platform-tls',
      mountPath: '/etc/aigw/agent-platform-tls',
      readOnly: true,
    })
    expect(find(objects, 'Deployment')!.spec.template.spec.volumes).toContainEqual({
      name: 'agent-platform-tls',
      secret: { secretName: 'agent-platform-tls', defaultMode: 0o440 },
    })
    const notes = helmNotes(tls)
    expect(notes).toContain(
      'ai-gateway.ai-gateway.svc.cluster.local:50052 from inside the cluster, DUO_AGENT_PLATFORM_SERVICE_SECURE=true',
    )
    expect(notes).not.toContain('DUO_AGENT_PLATFORM_SERVICE_SECURE=false')
  })

  it('its signing key goes into the chart-created Secret under its setting name', () => {
    const objects = helmTemplate([
      '--set-string',
      'secrets.agentPlatformSigningKey=-----BEGIN PRIVATE KEY-----\\nBBBB\\n-----END PRIVATE KEY-----',
    ])
    expect(Object.keys(find(objects, 'Secret')!.stringData)).toEqual([
      'DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY',
    ])
    expect(container(objects).envFrom).toEqual([{ secretRef: { name: 'ai-gateway' } }])
  })

  it('its own Ingress: backend protocol GRPC (GRPCS with TLS), long streams, the grpc port; the HTTP Ingress unchanged', () => {
    const grpc = [
      '--set',
      'agentPlatform.ingress.enabled=true',
      '--set',
      'agentPlatform.ingress.hosts[0].host=dap.example.com',
      '--set',
      'agentPlatform.ingress.tls[0].secretName=dap-tls',
      '--set',
      'agentPlatform.ingress.tls[0].hosts[0]=dap.example.com',
    ]
    const objects = helmTemplate([...seedValues, ...grpc])
    const named = (name: string) => ingresses(objects).find((o) => o.metadata.name === name)
    expect(ingresses(objects)).toHaveLength(2)
    const [http, dap] = [named('ai-gateway'), named('ai-gateway-grpc')]
    expect(http!.metadata.annotations).not.toHaveProperty(['nginx.ingress.kubernetes.io/backend-protocol'])
    expect(http!.spec.rules[0].http.paths[0].backend.service.port).toEqual({ name: 'http' })
    expect(dap!.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '600',
    })
    expect(dap!.spec).toEqual({
      ingressClassName: 'nginx', // the HTTP Ingress's class when it has none of its own
      tls: [{ hosts: ['dap.example.com'], secretName: 'dap-tls' }],
      rules: [
        {
          host: 'dap.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'ai-gateway', port: { name: 'grpc' } } },
              },
            ],
          },
        },
      ],
    })
    expect(helmNotes([...seedValues, ...grpc])).toContain(
      'dap.example.com:443 through the gRPC Ingress, DUO_AGENT_PLATFORM_SERVICE_SECURE=true',
    )

    const backendTls = helmTemplate([
      ...seedValues,
      ...grpc,
      '--set',
      'agentPlatform.tls.secretName=agent-platform-tls',
    ])
    const grpcIngress = ingresses(backendTls).find((o) => o.metadata.name === 'ai-gateway-grpc')!
    expect(grpcIngress.metadata.annotations['nginx.ingress.kubernetes.io/backend-protocol']).toBe('GRPCS')
    // Without TLS to the client, ingress-nginx cannot serve gRPC: NOTES warn.
    expect(helmNotes([...seedValues, '--set', 'agentPlatform.ingress.enabled=true'])).toContain(
      'WARNING: agentPlatform.ingress.tls is empty',
    )
  })
})
