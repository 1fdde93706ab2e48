/**
 * Runs once per vitest project, in Node: starts the fake OIDC issuer and the fake model servers
 * (plain HTTP, and HTTPS with a self-signed certificate nobody trusts), finds a port that refuses
 * connections, makes the gateway's own
 * test keys, and hands all of it to tests of any runtime through `inject()`.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startFakeModelServer } from './model-server.ts'
import { startFakeIssuer } from './oidc-issuer.ts'

export default async function setup(project: TestProject) {
  const issuer = await startFakeIssuer()
  const models = await startFakeModelServer(selfSignedCertificate())
  const pem = () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    return {
      pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    }
  }
  const [signing, validation] = [pem(), pem()]
  project.provide('issuerUrl', issuer.url)
  project.provide('modelServerUrl', models.url)
  project.provide('untrustedModelServerUrl', models.tlsUrl!)
  project.provide('refusingUrl', `http://127.0.0.1:${await closedPort()}`)
  project.provide('gatewayKeys', {
    signing: signing!.pkcs8,
    signingPkcs1: signing!.pkcs1,
    validation: validation!.pkcs8,
  })
  const docsIndex = buildDocsIndex()
  project.provide('docsIndexPath', docsIndex.path)
  project.provide('docsIndexSql', docsIndex.sql)
  return async () => {
    await Promise.all([issuer.close(), models.close()])
    rmSync(docsIndex.directory, { recursive: true, force: true })
  }
}

/** The docs search index of test/fixtures/docs, built by the real `npm run docs:index` command (SQLite file and D1 SQL). */
function buildDocsIndex(): { directory: string; path: string; sql: string } {
  const directory = mkdtempSync(join(tmpdir(), 'aigw-docs-index-'))
  const [path, sqlPath] = [join(directory, 'docs.db'), join(directory, 'docs.sql')]
  execFileSync(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      'node-entry/docs-indexer/cli.ts',
      'test/fixtures/docs',
      '--out',
      path,
      '--sql',
      sqlPath,
    ],
    { cwd: new URL('../..', import.meta.url), stdio: 'pipe' },
  )
  return { directory, path, sql: readFileSync(sqlPath, 'utf8') }
}

/** A loopback port nothing listens on (bound once, then released): connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A certificate for 127.0.0.1 signed by itself (openssl is installed by .ci/run). */
function selfSignedCertificate(): { key: string; cert: string } {
  const directory = mkdtempSync(join(tmpdir(), 'aigw-untrusted-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { cwd: directory, stdio: 'pipe' },
    )
    return {
      key: readFileSync(join(directory, 'key.pem'), 'utf8'),
      cert: readFileSync(join(directory, 'cert.pem'), 'utf8'),
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}
