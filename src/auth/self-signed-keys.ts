/**
 * The gateway's own RSA keys (`AIGW_SELF_SIGNED_JWT__SIGNING_KEY` / `__VALIDATION_KEY`): the signing
 * key mints user access tokens; both public halves verify them, so tokens signed with the previous
 * key stay valid through a rotation. GitLab publishes them under these `kid`s.
 */
import { ConfigError, type Config } from '../config.ts'
import { importRsaPrivateKeyPem } from './pem.ts'
import type { KeyEntry } from './remote-key-source.ts'

export interface SelfSignedKeys {
  /** Private key for minting user access tokens, or null when none is configured. */
  signingKey: CryptoKey | null
  /** Public keys that verify gateway-minted tokens. */
  verificationKeys: KeyEntry[]
}

/** @throws ConfigError naming the variable whose key cannot be imported. */
export async function loadSelfSignedKeys(config: Config): Promise<SelfSignedKeys> {
  const keys: SelfSignedKeys = { signingKey: null, verificationKeys: [] }
  const sources = [
    ['AIGW_SELF_SIGNED_JWT__SIGNING_KEY', config.selfSignedJwt.signingKey, 'signing_key'],
    ['AIGW_SELF_SIGNED_JWT__VALIDATION_KEY', config.selfSignedJwt.validationKey, 'validation_key'],
  ] as const
  for (const [variable, pem, role] of sources) {
    if (!pem) continue
    let pair
    try {
      pair = await importRsaPrivateKeyPem(pem)
    } catch {
      throw new ConfigError([`${variable}: the RSA private key could not be imported`])
    }
    if (role === 'signing_key') keys.signingKey = pair.privateKey
    keys.verificationKeys.push({ kid: `${config.serviceName}_${role}`, key: pair.publicKey, source: 'self_signed' })
  }
  return keys
}
