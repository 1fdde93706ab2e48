/**
 * deploy/: the Helm chart and the kustomize base + overlay.
 *
 * Always (offline, no tools): Chart.yaml / values.yaml parse, appVersion tracks package.json, the install
 * guide's --set values fit values.yaml and values.schema.json, every .Values reference in a template
 * exists, every kustomization file it names exists.
 * With helm and kubectl (PATH, $AIGW_HELM / $AIGW_KUBECTL, or fetched once by deploy/tools/k8s-tools.ts):
 * `helm lint --strict`, `helm template` and `kubectl kustomize` outputs checked against the Kubernetes
 * schemas in kubernetes-models, and the two renderings compared (deploy-operator.test.ts: the renders
 * that must fail, --version, NOTES). Without the tools those parts skip, unless
 * AIGW_TEST_REQUIRE_K8S_TOOLS=1 makes them fail.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Ajv } from 'ajv'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureTool } from '../../deploy/tools/k8s-tools.ts'
import {
  CHART,
  container,
  fill,
  find,
  helm,
  helmRender,
  helmTemplate,
  IMAGE_SET,
  manifests,
  REGISTRY,
  requireTools,
  SEED_SETS,
  type K8sObject,
} from './helm.ts'
import { ROOT } from './processes.ts'

const KUSTOMIZE = join(ROOT, 'deploy/kustomize')
const readYaml = (path: string): any => parse(readFileSync(path, 'utf8'))

type Segment = string | number
function segments(path: string): Segment[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!))
}

/** Applies `a.b[0].c=v` the way helm --set does for these simple cases (true/false become booleans). */
function applySets(sets: string[]): Record<string, unknown> {
  const root: any = {}
  for (const set of sets) {
    const eq = set.indexOf('=')
    const path = segments(set.slice(0, eq))
    const raw = set.slice(eq + 1)
    const value = raw === 'true' ? true : raw === 'false' ? false : raw
    let node = root
    path.forEach((seg, i) => {
      if (i === path.length - 1) node[seg] = value
      else node = node[seg] ??= typeof path[i + 1] === 'number' ? [] : {}
    })
  }
  return root
}

/** Whether values.yaml declares the path; a list index is checked against the list's first default item. */
function declared(values: any, path: Segment[]): boolean {
  let node = values
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(node)) return false
      if (node.length === 0) return true // an empty default list: its items are checked by the schema
      node = node[0]
    } else {
      if (node === null || typeof node !== 'object' || !(seg in node)) return false
      node = node[seg]
    }
  }
  return true
}

function schemaValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false })
  return ajv.compile(JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')))
}

describe('Helm chart: files, values and templates (no helm needed)', () => {
  const chart = readYaml(join(CHART, 'Chart.yaml'))
  const values = readYaml(join(CHART, 'values.yaml'))

  it('Chart.yaml is a v2 application chart whose appVersion is package.json version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(chart).toMatchObject({
      apiVersion: 'v2',
      name: 'ai-gateway',
      type: 'application',
      appVersion: pkg.version,
    })
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('declares every value the install guide sets, and its schema accepts them', () => {
    for (const set of SEED_SETS) expect(declared(values, segments(set.split('=')[0]!)), set).toBe(true)
    const validate = schemaValidator()
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true)
    const merged = { ...values, ...applySets(SEED_SETS) }
    expect(validate(merged), JSON.stringify(validate.errors)).toBe(true)
  })

  it('values.schema.json rejects misspelt or mistyped guide values', () => {
    const validate = schemaValidator()
    for (const bad of [
      ['agentPlatform.tls.secret=agent-platform-tls'],
      ['agentPlatform.port=fifty'],
      ['gitlab.apiURL=https://gitlab.example.com/api/v4/'],
      [
        'ingress.enabled=true',
        'ingress.hosts[0].host=a.example',
        'ingress.hosts[0].paths[0].path=/',
        'ingress.hosts[0].paths[0].pathType=Wildcard',
      ],
      ['ingress.tls[0].secretname=ai-gateway-tls'],
      ['gitlab.url=gitlab.example.com'],
    ]) {
      expect(validate({ ...values, ...applySets(bad) }), bad.join(' ')).toBe(false)
    }
  })

  it("ci/seed-values.yaml is the guide's --set list plus image.repository (with example placeholders filled in)", () => {
    const seed = readYaml(join(CHART, 'ci/seed-values.yaml'))
    expect(seed).toEqual(applySets([IMAGE_SET, ...SEED_SETS].map((s) => fill(s, chart.appVersion))))
  })

  it('every .Values reference in the templates exists in values.yaml, every include is defined', () => {
    const dir = join(CHART, 'templates')
    const sources = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'))
    const defined = new Set(sources.flatMap((s) => [...s.matchAll(/define "([^"]+)"/g)].map((m) => m[1])))
    const refs = new Set(
      sources.flatMap((s) => [...s.matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)].map((m) => m[1]!.slice(1))),
    )
    expect(refs.size).toBeGreaterThan(20)
    for (const ref of refs) expect(declared(values, ref.split('.')), `.Values.${ref}`).toBe(true)
    for (const s of sources) {
      for (const m of s.matchAll(/include "([^"]+)"/g)) expect(defined.has(m[1]), m[1]).toBe(true)
    }
  })
})

describe('kustomize: files (no kubectl needed)', () => {
  it('every resource and patch a kustomization names exists', () => {
    for (const dir of ['base', 'overlays/example', 'components/agent-platform-tls']) {
      const k = readYaml(join(KUSTOMIZE, dir, 'kustomization.yaml'))
      const files = [
        ...(k.resources ?? []),
        ...(k.patches ?? []).map((p: { path?: string }) => p.path).filter(Boolean),
      ]
      expect(files.length).toBeGreaterThan(0)
      for (const f of files) expect(existsSync(join(KUSTOMIZE, dir, f)), `${dir}: ${f}`).toBe(true)
    }
  })
})

// ---- rendered with the real tools ----

const kubectl = ensureTool('kubectl')
if (!helm.path) console.warn(`deploy.test.ts: Helm rendering checks skipped: ${helm.why}`)
if (!kubectl.path) console.warn(`deploy.test.ts: kustomize rendering checks skipped: ${kubectl.why}`)

function kustomize(dir: string): K8sObject[] {
  return manifests(execFileSync(kubectl.path!, ['kustomize', join(KUSTOMIZE, dir)], { encoding: 'utf8' }))
}

/** kubernetes-models: classes generated from the Kubernetes OpenAPI schema, with compiled validators. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1 Ingress': Ingress,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service,
  'v1 ServiceAccount': ServiceAccount,
}

/** Validates each object against the Kubernetes schema (types, required fields, enums, formats). */
function validateAll(objects: K8sObject[]): void {
  for (const o of objects) {
    if (o.apiVersion === 'monitoring.coreos.com/v1') continue // a CRD: checked by shape in its own test
    const Model = MODELS[`${o.apiVersion} ${o.kind}`]
    expect(Model, `a schema for ${o.apiVersion} ${o.kind}`).toBeDefined()
    expect(() => new Model!(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow()
  }
}

const byName = (items: { name: string }[]) => [...items].sort((a, b) => a.name.localeCompare(b.name))
const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]))

/** What both renderings must agree on. */
function essentials(objects: K8sObject[]) {
  const c = container(objects)
  const pod = find(objects, 'Deployment')!.spec.template.spec
  return {
    kinds: objects
      .map((o) => o.kind)
      .filter((k) => !['ConfigMap', 'Secret'].includes(k))
      .sort(),
    ports: c.ports,
    probes: [c.livenessProbe, c.readinessProbe, c.startupProbe],
    securityContext: c.securityContext,
    podSecurityContext: pod.securityContext,
    resources: c.resources,
    terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
    service: find(objects, 'Service')!.spec.ports,
    pdb: { maxUnavailable: find(objects, 'PodDisruptionBudget')!.spec.maxUnavailable },
    hpa: { ...find(objects, 'HorizontalPodAutoscaler')!.spec, scaleTargetRef: undefined },
    ingress: { ...find(objects, 'Ingress')!.spec, rules: undefined },
    ingressAnnotations: find(objects, 'Ingress')!.metadata.annotations,
    hosts: find(objects, 'Ingress')!.spec.rules.map((r: any) => [
      r.host,
      r.http.paths.map((p: any) => [p.path, p.pathType, p.backend.service.port]),
    ]),
  }
}

describe.skipIf(!helm.path && !requireTools)('Helm chart rendered by helm', () => {
  let seed: K8sObject[]
  beforeAll(() => {
    if (!helm.path) throw new Error(helm.why)
    seed = helmTemplate(['-f', join(CHART, 'ci/seed-values.yaml')])
  })

  it("helm lint --strict passes with an image repository, alone and with the guide's values", () => {
    const image = ['--set', fill(IMAGE_SET, '')]
    execFileSync(helm.path!, ['lint', '--strict', CHART, ...image], { stdio: 'pipe' })
    execFileSync(
      helm.path!,
      ['lint', '--strict', CHART, ...image, ...SEED_SETS.flatMap((s) => ['--set', fill(s, '0.1.0')])],
      { stdio: 'pipe' },
    )
  })

  it("the guide's --set line (placeholders filled) plus image.repository renders the same objects as ci/seed-values.yaml", () => {
    const viaSets = helmTemplate(SEED_SETS.flatMap((s) => ['--set', fill(s, '0.1.0')]))
    const ingress = find(viaSets, 'Ingress')!
    expect(ingress.spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'ai-gateway-tls', hosts: ['aigw.example.com'] }],
    })
    expect(ingress.spec.rules).toEqual([
      {
        host: 'aigw.example.com',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'ImplementationSpecific',
              backend: { service: { name: 'ai-gateway', port: { name: 'http' } } },
            },
          ],
        },
      },
    ])
    expect(container(viaSets).image).toBe(`${REGISTRY}/aigw-edge:0.1.0`)
    expect(viaSets).toEqual(seed)
  })

  it('renders valid Kubernetes objects: Deployment, Service, Ingress, PDB, HPA (autoscaling/v2), ServiceAccount', () => {
    expect(seed.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual([
      'apps/v1 Deployment',
      'autoscaling/v2 HorizontalPodAutoscaler',
      'networking.k8s.io/v1 Ingress',
      'policy/v1 PodDisruptionBudget',
      'v1 Service',
      'v1 ServiceAccount',
    ])
    validateAll(seed)
  })

  it('the pod: GitLab URLs, port 5052 + metrics 8082 + Agent Platform gRPC 50052, probes on /monitoring, non-root, read-only, no capabilities', () => {
    const c = container(seed)
    expect(c.image).toBe(`${REGISTRY}/aigw-edge:0.1.0`)
    expect(envOf(c)).toMatchObject({
      AIGW_GITLAB_URL: 'https://gitlab.example.com',
      AIGW_GITLAB_API_URL: 'https://gitlab.example.com/api/v4/',
      AIGW_FASTAPI__API_PORT: '5052',
      AIGW_FASTAPI__METRICS_HOST: '0.0.0.0',
      AIGW_FASTAPI__METRICS_PORT: '8082',
      DUO_WORKFLOW_HOST: '0.0.0.0',
      DUO_WORKFLOW_PORT: '50052',
    })
    expect(envOf(c).DUO_WORKFLOW_TLS__ENABLED).toBeUndefined()
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 5052, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8082, protocol: 'TCP' },
      { name: 'grpc', containerPort: 50052, protocol: 'TCP' },
    ])
    expect(c.livenessProbe.httpGet).toEqual({ path: '/monitoring/healthz', port: 'http' })
    expect(c.readinessProbe.httpGet).toEqual({ path: '/monitoring/ready', port: 'http' })
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    })
    expect(find(seed, 'Deployment')!.spec.template.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
    })
    expect(c.resources.limits.memory).toBeDefined()
    expect(c.envFrom).toBeUndefined() // no secret configured: none referenced
    expect(find(seed, 'Deployment')!.spec.replicas).toBeUndefined() // the HPA owns the count
    expect(find(seed, 'Service')!.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
      ['http', 5052, 'http'],
      ['metrics', 8082, 'metrics'],
      ['grpc', 50052, 'grpc'],
    ])
  })

  it('secrets: a chart-created Secret holds only the keys given, or an existing Secret is referenced', () => {
    const created = helmTemplate([
      '--set-string',
      'secrets.signingKey=-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----',
      '--set',
      'secrets.providerKeys.ANTHROPIC_API_KEY=sk-ant-test',
    ])
    validateAll(created)
    const secret = find(created, 'Secret')!
    expect(Object.keys(secret.stringData).sort()).toEqual([
      'AIGW_SELF_SIGNED_JWT__SIGNING_KEY',
      'ANTHROPIC_API_KEY',
    ])
    expect(container(created).envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }])

    const existing = helmTemplate([
      '--set',
      'secrets.existingSecret=ai-gateway-keys',
      '--set',
      'secrets.providerKeys.OPENAI_API_KEY=ignored',
    ])
    expect(find(existing, 'Secret')).toBeUndefined()
    expect(container(existing).envFrom).toEqual([{ secretRef: { name: 'ai-gateway-keys' } }])

    const annotation = (o: K8sObject[]) =>
      find(o, 'Deployment')!.spec.template.metadata.annotations['checksum/secret']
    expect(annotation(created)).not.toBe(annotation(seed)) // changing a key rolls the pods
  })

  it('options: fixed replicas without HPA, extra env, ServiceMonitor only when asked', () => {
    const fixed = helmTemplate([
      '--set',
      'autoscaling.enabled=false',
      '--set',
      'replicaCount=3',
      '--set',
      'env.AIGW_LOGGING__LEVEL=DEBUG',
      '--set',
      'podDisruptionBudget.enabled=false',
    ])
    validateAll(fixed)
    expect(find(fixed, 'HorizontalPodAutoscaler')).toBeUndefined()
    expect(find(fixed, 'PodDisruptionBudget')).toBeUndefined()
    expect(find(fixed, 'Deployment')!.spec.replicas).toBe(3)
    expect(envOf(container(fixed)).AIGW_LOGGING__LEVEL).toBe('DEBUG')

    expect(find(seed, 'ServiceMonitor')).toBeUndefined()
    const monitored = helmTemplate(['--set', 'metrics.serviceMonitor.enabled=true'])
    const sm = find(monitored, 'ServiceMonitor')!
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1')
    expect(sm.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
    ])
    expect(sm.spec.selector.matchLabels).toEqual(find(monitored, 'Deployment')!.spec.selector.matchLabels)

    // The Agent Platform's options render valid objects too: its Ingress, TLS from a Secret, its key.
    const agentPlatform = [
      '--set',
      'agentPlatform.ingress.enabled=true',
      '--set',
      'agentPlatform.tls.secretName=dap-tls',
      '--set',
      'secrets.agentPlatformSigningKey=x',
    ]
    validateAll(helmTemplate(agentPlatform))
    execFileSync(helm.path!, ['lint', '--strict', CHART, '--set', fill(IMAGE_SET, ''), ...agentPlatform], {
      stdio: 'pipe',
    })
  })

  it('helm refuses a misspelt value (values.schema.json is enforced)', () => {
    expect(() =>
      helmRender(['--set', fill(IMAGE_SET, ''), '--set', 'gitlab.apiURL=https://g.example/api/v4/']),
    ).toThrow(/apiURL/)
  })
})

describe.skipIf(!kubectl.path && !requireTools)('kustomize rendered by kubectl kustomize', () => {
  let base: K8sObject[]
  let overlay: K8sObject[]
  beforeAll(() => {
    if (!kubectl.path) throw new Error(kubectl.why)
    base = kustomize('base')
    overlay = kustomize('overlays/example')
  })

  it('base and overlay render valid Kubernetes objects', () => {
    validateAll(base)
    validateAll(overlay)
    expect(overlay.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual([
      'apps/v1 Deployment',
      'autoscaling/v2 HorizontalPodAutoscaler',
      'networking.k8s.io/v1 Ingress',
      'policy/v1 PodDisruptionBudget',
      'v1 ConfigMap',
      'v1 Service',
      'v1 ServiceAccount',
    ])
  })

  it('the overlay sets namespace, image tag, GitLab URLs (through the hashed ConfigMap), host and TLS', () => {
    for (const o of overlay) expect(o.metadata.namespace, o.kind).toBe('ai-gateway')
    const c = container(overlay)
    expect(c.image).toBe(`${REGISTRY}/aigw-edge:0.1.0`)
    const settings = find(overlay, 'ConfigMap')!
    expect(c.envFrom).toContainEqual({ configMapRef: { name: settings.metadata.name } })
    expect(settings.metadata.name).toMatch(/^ai-gateway-settings-[a-z0-9]{10}$/)
    expect(settings.data).toMatchObject({
      AIGW_GITLAB_URL: 'https://gitlab.example.com',
      AIGW_GITLAB_API_URL: 'https://gitlab.example.com/api/v4/',
      AIGW_FASTAPI__METRICS_PORT: '8082',
    })
    expect(c.envFrom).toContainEqual({ secretRef: { name: 'ai-gateway-secrets', optional: true } })
    const ingress = find(overlay, 'Ingress')!
    expect(ingress.spec.tls).toEqual([{ secretName: 'ai-gateway-tls', hosts: ['aigw.example.com'] }])
    expect(ingress.spec.rules[0].host).toBe('aigw.example.com')
    // Every selector matches the pod's labels.
    const podLabels = find(overlay, 'Deployment')!.spec.template.metadata.labels
    for (const sel of [
      find(overlay, 'Service')!.spec.selector,
      find(overlay, 'PodDisruptionBudget')!.spec.selector.matchLabels,
    ]) {
      expect(podLabels).toMatchObject(sel)
    }
  })

  it.skipIf(!helm.path && !requireTools)(
    "components/agent-platform-tls serves the gRPC port over TLS as the chart's agentPlatform.tls.secretName does",
    () => {
      // An overlay of the example overlay that adds the component, as an operator's would.
      const dir = mkdtempSync(join(tmpdir(), 'aigw-kustomize-'))
      try {
        const up = (path: string) => relative(dir, join(KUSTOMIZE, path))
        writeFileSync(
          join(dir, 'kustomization.yaml'),
          [
            'apiVersion: kustomize.config.k8s.io/v1beta1',
            'kind: Kustomization',
            `resources: [${up('overlays/example')}]`,
            `components: [${up('components/agent-platform-tls')}]`,
            '',
          ].join('\n'),
        )
        const withTls = manifests(execFileSync(kubectl.path!, ['kustomize', dir], { encoding: 'utf8' }))
        validateAll(withTls)
        const chart = helmTemplate([
          '-f',
          join(CHART, 'ci/seed-values.yaml'),
          '--set',
          'agentPlatform.tls.secretName=ai-gateway-agent-platform-tls',
        ])
        const tlsOf = (objects: K8sObject[], settings: Record<string, string>) => ({
          env: Object.fromEntries(
            Object.entries(settings).filter(([name]) => name.startsWith('DUO_WORKFLOW_')),
          ),
          mounts: byName(container(objects).volumeMounts),
          volumes: byName(find(objects, 'Deployment')!.spec.template.spec.volumes),
        })
        const fromKustomize = tlsOf(withTls, find(withTls, 'ConfigMap')!.data)
        expect(fromKustomize).toEqual(tlsOf(chart, envOf(container(chart))))
        expect(fromKustomize.env).toEqual({
          DUO_WORKFLOW_HOST: '0.0.0.0',
          DUO_WORKFLOW_PORT: '50052',
          DUO_WORKFLOW_TLS__ENABLED: 'true',
          DUO_WORKFLOW_TLS__CERT_FILE: '/etc/aigw/agent-platform-tls/tls.crt',
          DUO_WORKFLOW_TLS__KEY_FILE: '/etc/aigw/agent-platform-tls/tls.key',
        })
        expect(fromKustomize.volumes).toContainEqual({
          name: 'agent-platform-tls',
          secret: { secretName: 'ai-gateway-agent-platform-tls', defaultMode: 0o440 },
        })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

  it.skipIf(!helm.path && !requireTools)(
    "renders the same Deployment, Service, PDB, HPA and Ingress as the Helm chart with the guide's values",
    () => {
      const seed = helmTemplate(['-f', join(CHART, 'ci/seed-values.yaml')])
      const fromHelm = essentials(seed)
      const fromKustomize = essentials(overlay)
      // Ingress annotations included: streamed answers are unbuffered by default either way.
      expect(fromKustomize).toEqual(fromHelm)
      // Settings reach the pod by env in the chart and by ConfigMap in kustomize: compare the merged result.
      const settings = find(overlay, 'ConfigMap')!.data
      const helmEnv = envOf(container(seed))
      expect(settings).toEqual(helmEnv)
    },
  )
})
