/**
 * TLS on Node: the certificate the gateway serves HTTPS with (`AIGW_FASTAPI__TLS__*`) and the
 * client certificate it presents to model servers (`AIGW_MTLS__*`). The files are read and checked
 * once, before anything listens: a problem stops start-up naming the variable, and never shows a
 * file's content (a key must not end up in a log).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as tls from 'node:tls'
import type { AgentPlatformSettings } from '../src/agent-platform/settings.ts'
import { ConfigError, type Config } from '../src/config.ts'

/**
 * GitLab's default `SSL_CIPHERS` is uvicorn's `TLSv1`, a Python ssl string that in practice leaves
 * OpenSSL's defaults on. Read literally by Node's OpenSSL it would only keep TLS 1.0-era CBC
 * ciphers for TLS 1.2, so this value means "Node's defaults"; any other value is an OpenSSL
 * cipher list (TLS 1.2 and below; TLS 1.3 suites are always Node's).
 */
const GITLAB_DEFAULT_CIPHERS = 'TLSv1'

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** The certificate, key and ciphers of the HTTPS server, or undefined when `AIGW_FASTAPI__TLS__ENABLED` is off. */
export function serverTlsOptions(config: Config): tls.TlsOptions | undefined {
  const settings = config.serverTls
  if (!settings.enabled) return undefined
  const names = { cert: 'AIGW_FASTAPI__TLS__CERT_FILE', key: 'AIGW_FASTAPI__TLS__KEY_FILE' }
  const { cert, key } = keyPair(names, settings.certFile, settings.keyFile, undefined)
  const options: tls.TlsOptions = { cert, key }
  if (settings.ciphers && settings.ciphers !== GITLAB_DEFAULT_CIPHERS) {
    try {
      tls.createSecureContext({ ciphers: settings.ciphers })
    } catch {
      throw new ConfigError([
        'AIGW_FASTAPI__TLS__SSL_CIPHERS: not an OpenSSL cipher list Node accepts (for example ECDHE+AESGCM:!aNULL)',
      ])
    }
    options.ciphers = settings.ciphers
  }
  return options
}

/**
 * The `tls.connect` options of model calls when `AIGW_MTLS__ENABLED` is on: the client certificate
 * and key, `__VERIFY` as `rejectUnauthorized`, and `__CA_BUNDLE` added to the roots already trusted
 * (Node's, plus `SSL_CERT_FILE`'s: call this after `trustCaBundles`), so a bundle holding only the
 * model server's private CA does not break calls to public providers.
 */
export function modelClientTls(config: Config): tls.ConnectionOptions | undefined {
  const settings = config.mtls
  if (!settings.enabled) return undefined
  const names = { cert: 'AIGW_MTLS__CERT_FILE', key: 'AIGW_MTLS__KEY_FILE' }
  const { cert, key } = keyPair(names, settings.certFile, settings.keyFile, settings.keyPassword)
  const options: tls.ConnectionOptions = {
    cert,
    key,
    passphrase: settings.keyPassword,
    rejectUnauthorized: settings.verify,
  }
  if (settings.caBundle) {
    const found = readSetting('AIGW_MTLS__CA_BUNDLE', settings.caBundle, 'CA bundle').match(PEM_CERTIFICATE)
    if (!found) throw new ConfigError([`AIGW_MTLS__CA_BUNDLE: no PEM certificate in ${settings.caBundle}`])
    options.ca = [...tls.getCACertificates('default'), ...found]
  }
  return options
}

/** The certificate and key the Agent Platform's gRPC server serves TLS with (`DUO_WORKFLOW_TLS__*`), or undefined when off. */
export function agentPlatformTls(
  settings: AgentPlatformSettings,
): { certPem: string; keyPem: string } | undefined {
  if (!settings.tls.enabled) return undefined
  const { cert, key } = keyPair(
    { cert: 'DUO_WORKFLOW_TLS__CERT_FILE', key: 'DUO_WORKFLOW_TLS__KEY_FILE' },
    settings.tls.certFile,
    settings.tls.keyFile,
    undefined,
  )
  return { certPem: cert, keyPem: key }
}

/** Reads a certificate chain and its private key, and checks that they belong together. */
function keyPair(
  names: { cert: string; key: string },
  certFile: string,
  keyFile: string,
  passphrase: string | undefined,
) {
  const cert = readSetting(names.cert, certFile, 'certificate')
  const key = readSetting(names.key, keyFile, 'private key')
  try {
    new X509Certificate(cert)
  } catch {
    throw new ConfigError([`${names.cert}: no PEM certificate in ${certFile}`])
  }
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4,ENCRYPTED/.test(key)
  if (encrypted && !passphrase) {
    // Only the mTLS key has a password setting (GitLab's); the HTTPS key must be stored unencrypted.
    throw new ConfigError([
      names.key === 'AIGW_MTLS__KEY_FILE'
        ? `AIGW_MTLS__KEY_PASSWORD: the key in ${keyFile} is encrypted; set its password`
        : `${names.key}: the key in ${keyFile} is encrypted; give an unencrypted key`,
    ])
  }
  try {
    createPrivateKey({ key, passphrase })
  } catch {
    if (encrypted)
      throw new ConfigError([`AIGW_MTLS__KEY_PASSWORD: does not decrypt the key in ${names.key}`])
    throw new ConfigError([`${names.key}: no usable PEM private key in ${keyFile}`])
  }
  try {
    tls.createSecureContext({ cert, key, passphrase })
  } catch {
    throw new ConfigError([
      `${names.key}: the key in ${keyFile} does not match the certificate in ${names.cert}`,
    ])
  }
  return { cert, key }
}

function readSetting(variable: string, file: string, what: string): string {
  const enabling = `${variable.slice(0, variable.lastIndexOf('__'))}__ENABLED`
  if (!file) throw new ConfigError([`${variable}: required when ${enabling} is on (the ${what} file)`])
  try {
    return readFileSync(file, 'utf8')
  } catch {
    throw new ConfigError([`${variable}: cannot read the ${what} file at ${file}`])
  }
}
