/**
 * Rendering deploy/helm/ai-gateway with the real helm (found or fetched by deploy/tools/k8s-tools.ts),
 * for the deploy and docs tests: GitLab's install-guide values, `helm template`, and NOTES.txt as
 * `helm install` prints it.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { ensureTool } from '../../deploy/tools/k8s-tools.ts'
import { ROOT } from './processes.ts'

export const CHART = join(ROOT, 'deploy/helm/ai-gateway')
export const helm = ensureTool('helm')
export const requireTools = process.env.AIGW_TEST_REQUIRE_K8S_TOOLS === '1'

/** The --set flags of GitLab's install guide (`helm upgrade --install ai-gateway ...`), verbatim. */
export const SEED_SETS = [
  'image.tag=<ai-gateway-image>',
  'gitlab.url=https://<your_gitlab_domain>',
  'gitlab.apiUrl=https://<your_gitlab_domain>/api/v4/',
  'ingress.enabled=true',
  'ingress.hosts[0].host=<your_gateway_domain>',
  'ingress.hosts[0].paths[0].path=/',
  'ingress.hosts[0].paths[0].pathType=ImplementationSpecific',
  'ingress.tls[0].secretName=ai-gateway-tls',
  'ingress.tls[0].hosts[0]=<your_gateway_domain>',
  'ingress.className=nginx',
]

/** What this chart needs that GitLab's does not: the image's repository (there is no published aigw-edge image). */
export const IMAGE_SET = 'image.repository=<registry>/aigw-edge'
export const REGISTRY = 'registry.example.com'

export type K8sObject = {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: any; annotations?: any }
  spec?: any
  [k: string]: any
}

/** The objects of a multi-document YAML stream. */
export function manifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o)
}

/** The guide's placeholders, filled in the way ci/seed-values.yaml has them. */
export function fill(set: string, tag: string): string {
  return set
    .replace('<ai-gateway-image>', tag)
    .replace('<registry>', REGISTRY)
    .replaceAll('<your_gitlab_domain>', 'gitlab.example.com')
    .replaceAll('<your_gateway_domain>', 'aigw.example.com')
}

/** `helm template` with an image repository (the chart refuses to render without one) and these arguments. */
export function helmTemplate(args: string[]): K8sObject[] {
  return manifests(helmRender(['--set', fill(IMAGE_SET, ''), ...args]).stdout)
}

/** `helm template` exactly as given; throws with helm's own words when it fails. */
export function helmRender(args: string[], chart = CHART): { stdout: string } {
  const result = spawnSync(
    helm.path!,
    ['template', 'ai-gateway', chart, '--namespace', 'ai-gateway', ...args],
    { encoding: 'utf8' },
  )
  if (result.status !== 0) throw new Error(result.stderr.trim())
  return { stdout: result.stdout }
}

/** NOTES.txt as `helm install` would print it (no cluster needed): rendered through `tpl` in a copy of the chart. */
export function helmNotes(args: string[]): string {
  const copy = mkdtempSync(join(tmpdir(), 'aigw-chart-'))
  try {
    cpSync(CHART, copy, { recursive: true })
    cpSync(join(CHART, 'templates/NOTES.txt'), join(copy, 'NOTES.txt'))
    const notes = '{{ tpl (.Files.Get "NOTES.txt") . | toJson }}'
    const template = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: notes',
      'data:',
      `  notes: ${notes}`,
      '',
    ].join('\n')
    writeFileSync(join(copy, 'templates/zz-notes.yaml'), template)
    return manifests(helmRender(['--show-only', 'templates/zz-notes.yaml', ...args], copy).stdout)[0]!.data
      .notes as string
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}

export const find = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind)
export const container = (objects: K8sObject[]) =>
  find(objects, 'Deployment')!.spec.template.spec.containers[0]
