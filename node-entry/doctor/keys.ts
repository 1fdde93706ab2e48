/**
 * The gateway's own RSA keys (AIGW_SELF_SIGNED_JWT__SIGNING_KEY / __VALIDATION_KEY), imported as
 * the gateway imports them (src/auth/pem.ts); the key itself is never printed.
 */
import { createPrivateKey } from 'node:crypto'
import { importRsaPrivateKeyPem } from '../../src/auth/pem.ts'
import type { Config } from '../../src/config.ts'
import { fail, pass, warn, type CheckResult } from './report.ts'
import type { DoctorSettings } from './settings.ts'

const GENERATE = 'openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt (a PKCS#8 RSA key; a PKCS#1 "BEGIN RSA PRIVATE KEY" works too); newlines may be written as \\n'

export async function checkSelfSignedKeys(settings: DoctorSettings): Promise<CheckResult[]> {
  const { config } = settings
  return [
    await checkKey(settings, 'signing_key', 'Signing key', 'AIGW_SELF_SIGNED_JWT__SIGNING_KEY', config.selfSignedJwt.signingKey, config),
    await checkKey(settings, 'validation_key', 'Validation key', 'AIGW_SELF_SIGNED_JWT__VALIDATION_KEY', config.selfSignedJwt.validationKey, config),
  ]
}

async function checkKey(settings: DoctorSettings, id: string, title: string, variable: string, pem: string | null, config: Config): Promise<CheckResult> {
  const problem = settings.problems.get(variable)
  if (problem) return fail(id, title, `${variable} is not a usable key: ${problem}; the gateway refuses to start`, `Set ${variable} to an RSA private key in PEM format: ${GENERATE}.`)
  if (!pem) {
    if (id === 'signing_key') {
      return warn(id, title, `${variable} is not set: the gateway cannot mint user access tokens for IDE direct connections (POST /v1/code/user_access_token answers an error); requests that come through GitLab work`, `If IDEs should connect directly, set ${variable} to an RSA private key: ${GENERATE}.`)
    }
    return pass(id, title, `${variable} is not set (only needed while rotating the signing key)`)
  }
  try {
    await importRsaPrivateKeyPem(pem)
  } catch {
    return fail(id, title, `${variable} has a PEM envelope but its content is not an RSA private key; the gateway refuses to start`, `Set ${variable} to an RSA private key in PEM format: ${GENERATE}.`)
  }
  const bits = modulusBits(pem)
  const details = { modulus_bits: bits }
  if (id === 'validation_key' && pem.trim() === config.selfSignedJwt.signingKey?.trim()) {
    return warn(id, title, `${variable} is the same key as the signing key`, 'During a rotation the validation key is the previous signing key; otherwise unset it.', details)
  }
  if (bits !== undefined && bits < 2048) {
    return warn(id, title, `${variable} is a ${bits}-bit RSA key`, `Use a key of at least 2048 bits: ${GENERATE}.`, details)
  }
  return pass(id, title, `${variable} is an RSA private key${bits ? ` (${bits} bits)` : ''}`, details)
}

function modulusBits(pem: string): number | undefined {
  try {
    return createPrivateKey(pem).asymmetricKeyDetails?.modulusLength
  } catch {
    return undefined
  }
}
