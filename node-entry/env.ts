/**
 * The process environment as the gateway sees it: variables from a `.env` file in the working
 * directory (real environment variables win, as in GitLab's gateway), and the custom CA bundle.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as tls from 'node:tls'
import { parseEnv } from 'node:util'
import { ConfigError } from '../src/config.ts'

export type Environment = Record<string, string | undefined>

export function loadEnvironment(
  processEnv: Environment = process.env,
  envFile = resolve('.env'),
): Environment {
  if (!existsSync(envFile)) return { ...processEnv }
  return { ...parseEnv(readFileSync(envFile, 'utf8')), ...processEnv }
}

/**
 * Where each variable of `loadEnvironment`'s result came from, for start-up warnings that say
 * which file to fix: `.env` for a name only the file sets, `environment` otherwise.
 */
export function environmentSources(
  processEnv: Environment = process.env,
  envFile = resolve('.env'),
): (name: string) => string {
  const fromFile = existsSync(envFile)
    ? Object.keys(parseEnv(readFileSync(envFile, 'utf8'))).filter((name) => !(name in processEnv))
    : []
  const dotenv = new Set(fromFile)
  return (name) => (dotenv.has(name) ? '.env' : 'environment')
}

/** The variables that name a CA bundle (httpx and requests, which GitLab's gateway uses). */
const CA_BUNDLE_VARIABLES = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE'] as const

/**
 * Makes every outbound TLS connection (OIDC discovery, JWKS, model providers) trust the
 * certificates in `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE`, the install guide's fix for a GitLab
 * or model server behind a private CA. They are added to Node's own roots rather than replacing
 * them, so public providers keep working with a bundle that holds only the private CA.
 * @returns the files read.
 * @throws ConfigError naming the variable whose file is missing or holds no certificate.
 */
export function trustCaBundles(env: Environment): string[] {
  const files = new Map<string, string>()
  for (const variable of CA_BUNDLE_VARIABLES) {
    const file = env[variable]?.trim()
    if (file && !files.has(file)) files.set(file, variable)
  }
  const certificates: string[] = []
  for (const [file, variable] of files) {
    let pem: string
    try {
      pem = readFileSync(file, 'utf8')
    } catch {
      throw new ConfigError([`${variable}: cannot read the CA bundle at ${file}`])
    }
    const found = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
    if (!found) throw new ConfigError([`${variable}: no PEM certificate in ${file}`])
    certificates.push(...found)
  }
  if (certificates.length === 0) return []
  if (typeof tls.setDefaultCACertificates !== 'function') {
    // Node < 22.19 cannot change the default CAs at run time; NODE_EXTRA_CA_CERTS can.
    throw new ConfigError([
      `${files.values().next().value}: needs Node >= 22.19; set NODE_EXTRA_CA_CERTS=<file> instead`,
    ])
  }
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ...certificates])
  return [...files.keys()]
}

/**
 * Google's own convention for a service-account key: `GOOGLE_APPLICATION_CREDENTIALS` names the key
 * file. The gateway reads keys from AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY (the only
 * way on Workers), so on Node the file's content goes there when that is not set.
 * @throws ConfigError naming the variable when the file cannot be read.
 */
export function withGoogleCredentials(env: Environment): Environment {
  const file = env.GOOGLE_APPLICATION_CREDENTIALS?.trim()
  const setting = 'AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY'
  if (!file || Object.keys(env).some((name) => name.toUpperCase() === setting && env[name])) return env
  try {
    return { ...env, [setting]: readFileSync(file, 'utf8') }
  } catch {
    throw new ConfigError([
      `GOOGLE_APPLICATION_CREDENTIALS: cannot read the service-account key file at ${file}`,
    ])
  }
}
