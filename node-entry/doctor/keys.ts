/**
 * The RSA keys a service signs its own tokens with, imported as the gateway imports them
 * (src/auth/pem.ts): the gateway's AIGW_SELF_SIGNED_JWT__* (user access tokens for IDEs) and the
 * Agent Platform's DUO_WORKFLOW_SELF_SIGNED_JWT__* (GenerateToken). A key is never printed.
 */
import { createPrivateKey } from 'node:crypto'
import { importRsaPrivateKeyPem } from '../../src/auth/pem.ts'
import { fail, pass, warn, type CheckResult } from './report.ts'
import type { DoctorSettings } from './settings.ts'

export const GENERATE_KEY =
  'openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt (a PKCS#8 RSA key; a PKCS#1 "BEGIN RSA PRIVATE KEY" works too); newlines may be written as \\n'

/** One service's signing and validation keys, and what a missing signing key costs. */
export interface KeyPair {
  /** Prefix of the check ids and titles: '' and '' for the gateway, 'agent_platform_' and 'Agent Platform ' for the gRPC service. */
  id: string
  title: string
  /** The variables' common prefix, e.g. AIGW_SELF_SIGNED_JWT. */
  prefix: string
  signingKey: string | null
  validationKey: string | null
  /** The warning when no signing key is set: what does not work without it, and who needs it. */
  missing: { verdict: string; fix: string }
}

export async function checkSelfSignedKeys(settings: DoctorSettings): Promise<CheckResult[]> {
  const { signingKey, validationKey } = settings.config.selfSignedJwt
  const variable = 'AIGW_SELF_SIGNED_JWT__SIGNING_KEY'
  return checkKeyPair(settings, {
    id: '',
    title: '',
    prefix: 'AIGW_SELF_SIGNED_JWT',
    signingKey,
    validationKey,
    missing: {
      verdict: `${variable} is not set: the gateway cannot mint user access tokens for IDE direct connections (POST /v1/code/user_access_token answers an error); requests that come through GitLab work`,
      fix: `If IDEs should connect directly, set ${variable} to an RSA private key: ${GENERATE_KEY}.`,
    },
  })
}

export async function checkKeyPair(settings: DoctorSettings, pair: KeyPair): Promise<CheckResult[]> {
  const signing = `${pair.prefix}__SIGNING_KEY`
  const validation = `${pair.prefix}__VALIDATION_KEY`
  const signingId = `${pair.id}signing_key`
  const validationId = `${pair.id}validation_key`
  const signingTitle = `${pair.title}${pair.title ? 'signing key' : 'Signing key'}`
  const validationTitle = `${pair.title}${pair.title ? 'validation key' : 'Validation key'}`
  const problem = (variable: string, id: string, title: string) => {
    const found = settings.problems.get(variable)
    return (
      found &&
      fail(
        id,
        title,
        `${variable} is not a usable key: ${found}; the gateway refuses to start`,
        `Set ${variable} to an RSA private key in PEM format: ${GENERATE_KEY}.`,
      )
    )
  }
  const signingResult =
    problem(signing, signingId, signingTitle) ||
    (pair.signingKey
      ? await checkKey(signingId, signingTitle, signing, pair.signingKey)
      : warn(signingId, signingTitle, pair.missing.verdict, pair.missing.fix))
  let validationResult = problem(validation, validationId, validationTitle)
  if (!validationResult) {
    if (!pair.validationKey)
      validationResult = pass(
        validationId,
        validationTitle,
        `${validation} is not set (only needed while rotating the signing key)`,
      )
    else if (pair.validationKey.trim() === pair.signingKey?.trim()) {
      validationResult = warn(
        validationId,
        validationTitle,
        `${validation} is the same key as the signing key`,
        'During a rotation the validation key is the previous signing key; otherwise unset it.',
        { modulus_bits: modulusBits(pair.validationKey) },
      )
    } else validationResult = await checkKey(validationId, validationTitle, validation, pair.validationKey)
  }
  return [signingResult, validationResult]
}

async function checkKey(id: string, title: string, variable: string, pem: string): Promise<CheckResult> {
  try {
    await importRsaPrivateKeyPem(pem)
  } catch {
    return fail(
      id,
      title,
      `${variable} has a PEM envelope but its content is not an RSA private key; the gateway refuses to start`,
      `Set ${variable} to an RSA private key in PEM format: ${GENERATE_KEY}.`,
    )
  }
  const bits = modulusBits(pem)
  const details = { modulus_bits: bits }
  if (bits !== undefined && bits < 2048)
    return warn(
      id,
      title,
      `${variable} is a ${bits}-bit RSA key`,
      `Use a key of at least 2048 bits: ${GENERATE_KEY}.`,
      details,
    )
  return pass(id, title, `${variable} is an RSA private key${bits ? ` (${bits} bits)` : ''}`, details)
}

function modulusBits(pem: string): number | undefined {
  try {
    return createPrivateKey(pem).asymmetricKeyDetails?.modulusLength
  } catch {
    return undefined
  }
}
