/**
 * The Helm chart on a first-time operator's path: an image that does not exist is refused at
 * render time with what to set, `--version` behaves as NOTES and docs say, NOTES explain readiness,
 * and streamed answers are not buffered by ingress-nginx. Needs helm (see helm.ts); skips without
 * it unless AIGW_TEST_REQUIRE_K8S_TOOLS=1.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { CHART, container, fill, find, helm, helmNotes, helmRender, helmTemplate, IMAGE_SET, manifests, REGISTRY } from './helm.ts'
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
    expect(() => helmRender([...image, '--set', 'image.tag=<ai-gateway-image>'])).toThrow(/still holds a placeholder/)
    // An empty tag is the chart's appVersion.
    expect(container(helmTemplate([])).image).toBe(`${REGISTRY}/aigw-edge:0.1.0`)
  })

  it('--version is ignored for a chart directory or file: what renders is this chart\'s version, as NOTES say', () => {
    const label = (objects: K8sObject[]) => find(objects, 'Deployment')!.metadata.labels['helm.sh/chart']
    expect(label(helmTemplate(['--version', '0.1.1']))).toBe(`ai-gateway-${chartVersion}`)
    const packaged = mkdtempSync(join(tmpdir(), 'aigw-chart-package-'))
    try {
      execFileSync(helm.path!, ['package', CHART, '--destination', packaged], { stdio: 'pipe' })
      const tgz = join(packaged, `ai-gateway-${chartVersion}.tgz`)
      expect(label(manifests(helmRender([...image, '--version', '0.1.1'], tgz).stdout))).toBe(`ai-gateway-${chartVersion}`)
    } finally {
      rmSync(packaged, { recursive: true, force: true })
    }
    expect(helmNotes(image)).toContain(`(chart ai-gateway ${chartVersion})`)
    expect(helmNotes(image)).toContain('helm ignores --version when the chart is a directory or a\n.tgz file')
  })

  it('NOTES: the image running, why a pod may not be ready and how to see why, no macOS-only command', () => {
    const notes = helmNotes(['-f', join(CHART, 'ci/seed-values.yaml')])
    expect(notes).toContain(`running the image ${REGISTRY}/aigw-edge:0.1.0`)
    expect(notes).toContain('a pod turns Ready only once it has loaded the signing keys of https://gitlab.example.com')
    expect(notes).toContain('kubectl --namespace ai-gateway logs deploy/ai-gateway')
    expect(notes).toContain('kubectl --namespace ai-gateway exec deploy/ai-gateway -- node dist/node/doctor.mjs')
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
