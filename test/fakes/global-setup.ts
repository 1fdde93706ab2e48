/**
 * Runs once per vitest project, in Node: starts the fake OIDC issuer and makes the gateway's own
 * test keys, and hands both to tests of any runtime through `inject()`.
 */
import { generateKeyPairSync } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { startFakeIssuer } from './oidc-issuer.ts'

export default async function setup(project: TestProject) {
  const issuer = await startFakeIssuer()
  const pem = () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    return {
      pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    }
  }
  const [signing, validation] = [pem(), pem()]
  project.provide('issuerUrl', issuer.url)
  project.provide('gatewayKeys', { signing: signing!.pkcs8, signingPkcs1: signing!.pkcs1, validation: validation!.pkcs8 })
  return () => issuer.close()
}

