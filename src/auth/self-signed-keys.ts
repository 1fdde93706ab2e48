/**
 * A service's own RSA keys (the gateway's `AIGW_SELF_SIGNED_JWT__SIGNING_KEY` / `__VALIDATION_KEY`,
 * the Agent Platform's `DUO_WORKFLOW_SELF_SIGNED_JWT__*`): the signing key mints tokens; both
 * public halves verify them, so tokens signed with the previous key stay valid through a rotation.
 * GitLab publishes them under these `kid`s.
 */
import { ConfigError } from '../config.ts'
import { importRsaPrivateKeyPem } from './pem.ts'
import type { KeyEntry } from './remote-key-source.ts'

export interface SelfSignedKeys {
  /** Private key for minting user access tokens, or null when none is configured. */
  signingKey: CryptoKey | null
  /** Public keys that verify gateway-minted tokens. */
  verificationKeys: KeyEntry[]
}

export interface SelfSignedKeySettings {
  signingKey: string | null
  validationKey: string | null
}

/**
 * @param prefix the settings' prefix, for error messages (`AIGW`, `DUO_WORKFLOW`).
 * @throws ConfigError naming the variable whose key cannot be imported.
 */
export async function loadSelfSignedKeys(
  settings: SelfSignedKeySettings,
  serviceName: string,
  prefix = 'AIGW',
): Promise<SelfSignedKeys> {
  const keys: SelfSignedKeys = { signingKey: null, verificationKeys: [] }
  const sources = [
    [`${prefix}_SELF_SIGNED_JWT__SIGNING_KEY`, settings.signingKey, 'signing_key'],
    [`${prefix}_SELF_SIGNED_JWT__VALIDATION_KEY`, settings.validationKey, 'validation_key'],
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
    keys.verificationKeys.push({ kid: `${serviceName}_${role}`, key: pair.publicKey, source: 'self_signed' })
  }
  return keys
}
