/**
 * One OIDC issuer as the gateway uses it (src/auth/remote-key-source.ts): is the URL reachable,
 * is its certificate trusted, does `<url>/.well-known/openid-configuration` name a `jwks_uri`,
 * and do the keys there import as RS256 public keys. The GitLab instance is required; a
 * CustomersDot the administrator did not set explicitly only warns (the gateway logs and carries
 * on with GitLab's keys).
 */
import { importRsaPublicJwk } from '../../src/auth/pem.ts'
import { caBundleFix, describeCaBundle } from './ca-bundle.ts'
import { jsonBody, request, type NetworkFailure } from './probe.ts'
import { fail, pass, skip, warn, type CheckResult } from './report.ts'
import type { DoctorSettings } from './settings.ts'
import { probeTls, type TlsProbe } from './tls-probe.ts'

/** The gateway's own deadline for discovery and JWKS fetches (FETCH_TIMEOUT_MS). */
export const ISSUER_TIMEOUT_MS = 5_000

export interface IssuerSource {
  /** Prefix of the check ids: gitlab, customers_dot, agent_platform_gitlab. */
  id: string
  label: string
  variable: string
  url: string
  /** Whether a failure stops the gateway from working (GitLab), or only warns (an implicit CustomersDot). */
  required: boolean
}

export interface IssuerFindings {
  results: CheckResult[]
  /** GitLab's `Date` header and when it arrived, for the clock check. */
  date: { header: string; receivedAt: number } | null
}

export async function checkIssuer(
  source: IssuerSource,
  fetcher: typeof fetch,
  settings: DoctorSettings,
): Promise<IssuerFindings> {
  const url = new URL(source.url)
  const discoveryUrl = `${source.url}/.well-known/openid-configuration`
  const [tls, discovery] = await Promise.all([
    url.protocol === 'https:' ? probeTls(url, ISSUER_TIMEOUT_MS) : Promise.resolve(null),
    request(fetcher, discoveryUrl, { headers: { accept: 'application/json' }, timeoutMs: ISSUER_TIMEOUT_MS }),
  ])
  // An implicit CustomersDot's failures are warnings: the gateway keeps working without it.
  const failed = source.required
    ? fail
    : (id: string, title: string, verdict: string, fix: string, details?: Record<string, unknown>) =>
        warn(
          id,
          title,
          `${verdict}; the gateway logs this and verifies GitLab's tokens only`,
          `${fix}\nOn an instance without CustomersDot access (offline, self-hosted models only), set ${source.variable}= (empty) instead.`,
          details,
        )
  const title = (what: string) => `${source.label} ${what}`
  const results: CheckResult[] = []

  // Reachable: any HTTP answer.
  if (!discovery.ok) {
    // A TLS failure gets its fix once, on the TLS line that names the certificate's issuer.
    const fix =
      discovery.failure.kind === 'tls' && tls?.ok
        ? `See "${title('TLS')}" below.`
        : unreachableFix(source, url, discovery.failure, settings)
    results.push(
      failed(
        `${source.id}_url`,
        title('URL'),
        `${source.url} cannot be reached: ${discovery.failure.reason}`,
        fix,
        { url: source.url, error: discovery.failure.code ?? discovery.failure.kind },
      ),
    )
  } else {
    results.push(
      pass(`${source.id}_url`, title('URL'), `${source.url} answers (HTTP ${discovery.response.status})`, {
        url: source.url,
      }),
    )
  }
  results.push(tlsResult(source, url, tls, settings, failed))

  if (!discovery.ok) {
    results.push(
      skip(`${source.id}_oidc`, title('OIDC discovery'), `not checked: ${source.label} cannot be reached`),
    )
    results.push(skip(`${source.id}_jwks`, title('JWKS'), `not checked: ${source.label} cannot be reached`))
    return { results, date: null }
  }
  const date = discovery.response.headers.get('date')
  const found = await discoveryResult(source, discoveryUrl, discovery.response, failed)
  results.push(found.result)
  if (!found.jwksUri) {
    results.push(skip(`${source.id}_jwks`, title('JWKS'), 'not checked: no jwks_uri to fetch'))
  } else {
    results.push(await jwksResult(source, found.jwksUri, fetcher, settings, failed))
  }
  return { results, date: date ? { header: date, receivedAt: discovery.receivedAt } : null }
}

type Failed = typeof fail

function tlsResult(
  source: IssuerSource,
  url: URL,
  tls: TlsProbe | null,
  settings: DoctorSettings,
  failed: Failed,
): CheckResult {
  const id = `${source.id}_tls`
  const title = `${source.label} TLS`
  const bundle = describeCaBundle(settings.caBundle)
  if (!tls) return skip(id, title, `not checked: ${url.origin} is plain HTTP`)
  if (!tls.ok) return skip(id, title, `not checked: ${tls.failure.reason}`)
  const { findings } = tls
  const details = {
    subject: findings.subject,
    issuer: findings.issuer,
    valid_to: findings.validTo,
    ca_bundle: bundle,
  }
  if (findings.authorized)
    return pass(
      id,
      title,
      `certificate for ${findings.subject || url.hostname} (issued by ${findings.issuer}) is trusted; CAs: ${bundle}`,
      details,
    )
  const code = findings.error
  if (code === 'CERT_HAS_EXPIRED')
    return failed(
      id,
      title,
      `the certificate of ${url.host} expired on ${findings.validTo}`,
      `Renew ${url.host}'s certificate.`,
      { ...details, error: code },
    )
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altname|hostname/i.test(code ?? '')) {
    return failed(
      id,
      title,
      `the certificate of ${url.host} does not name ${url.hostname} (${code})`,
      `Set ${source.variable} to a host name the certificate names, or reissue the certificate with ${url.hostname} in its subjectAltName.`,
      { ...details, error: code },
    )
  }
  const what = findings.selfSigned
    ? `is self-signed (${findings.subject})`
    : `is issued by ${findings.issuer || 'an unknown CA'}`
  const inBundle = settings.caBundle.files.length
    ? `, which is not in ${bundle}`
    : ", which is not in Node's built-in CA store and no SSL_CERT_FILE / REQUESTS_CA_BUNDLE is set"
  return failed(
    id,
    title,
    `the certificate of ${url.host} ${what}${inBundle} (${code}): the gateway cannot load ${source.label}'s signing keys`,
    caBundleFix(url.host),
    { ...details, error: code },
  )
}

async function discoveryResult(
  source: IssuerSource,
  discoveryUrl: string,
  response: Response,
  failed: Failed,
): Promise<{ result: CheckResult; jwksUri: string | null }> {
  const id = `${source.id}_oidc`
  const title = `${source.label} OIDC discovery`
  if (response.status !== 200) {
    await response.body?.cancel()
    const fix =
      response.status === 404
        ? `${source.variable} must be the root URL of ${source.label} (with its relative URL root, e.g. https://example.com/gitlab), not an API or page URL.`
        : `${source.label} is up but answers ${response.status}: check its logs, and any proxy in front of it.`
    return {
      result: failed(id, title, `HTTP ${response.status} from ${discoveryUrl}`, fix, {
        url: discoveryUrl,
        status: response.status,
      }),
      jwksUri: null,
    }
  }
  const document = await jsonBody(response)
  const jwksUri = (document as { jwks_uri?: unknown } | undefined)?.jwks_uri
  if (document === undefined || typeof document !== 'object' || document === null) {
    return {
      result: failed(
        id,
        title,
        `${discoveryUrl} did not answer JSON (a login page or a proxy's page?)`,
        `Check that ${source.variable} points at ${source.label} itself, and that no proxy rewrites its answers.`,
        { url: discoveryUrl },
      ),
      jwksUri: null,
    }
  }
  if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri)) {
    return {
      result: failed(
        id,
        title,
        `the OpenID configuration at ${discoveryUrl} names no http(s) jwks_uri`,
        `Check that ${source.variable} points at ${source.label} itself (its OpenID configuration lists jwks_uri).`,
        { url: discoveryUrl },
      ),
      jwksUri: null,
    }
  }
  return {
    result: pass(id, title, `${discoveryUrl} names jwks_uri ${jwksUri}`, {
      url: discoveryUrl,
      jwks_uri: jwksUri,
    }),
    jwksUri,
  }
}

async function jwksResult(
  source: IssuerSource,
  jwksUri: string,
  fetcher: typeof fetch,
  settings: DoctorSettings,
  failed: Failed,
): Promise<CheckResult> {
  const id = `${source.id}_jwks`
  const title = `${source.label} JWKS`
  const answer = await request(fetcher, jwksUri, {
    headers: { accept: 'application/json' },
    timeoutMs: ISSUER_TIMEOUT_MS,
  })
  if (!answer.ok) {
    return failed(
      id,
      title,
      `${jwksUri} cannot be fetched: ${answer.failure.reason}`,
      unreachableFix(source, new URL(jwksUri), answer.failure, settings),
      { url: jwksUri },
    )
  }
  if (answer.response.status !== 200) {
    await answer.response.body?.cancel()
    return failed(
      id,
      title,
      `HTTP ${answer.response.status} from ${jwksUri}`,
      `${source.label} publishes its signing keys there; check its logs, and any proxy in front of it.`,
      { url: jwksUri, status: answer.response.status },
    )
  }
  const keys = ((await jsonBody(answer.response)) as { keys?: unknown } | undefined)?.keys
  if (!Array.isArray(keys))
    return failed(
      id,
      title,
      `${jwksUri} holds no "keys" array`,
      `Check that ${source.variable} points at ${source.label} itself.`,
      { url: jwksUri },
    )
  const usable: string[] = []
  let unusable = 0
  for (const jwk of keys as Record<string, unknown>[]) {
    const rsaSigning =
      jwk?.kty === 'RSA' &&
      typeof jwk.n === 'string' &&
      typeof jwk.e === 'string' &&
      (jwk.alg === undefined || jwk.alg === 'RS256') &&
      (jwk.use === undefined || jwk.use === 'sig')
    try {
      if (!rsaSigning) throw new Error('not an RS256 signing key')
      await importRsaPublicJwk(jwk as JsonWebKey)
      usable.push(typeof jwk.kid === 'string' ? jwk.kid : '(no kid)')
    } catch {
      unusable++
    }
  }
  const details = { url: jwksUri, keys: keys.length, rs256_keys: usable.length, kids: usable }
  if (usable.length === 0) {
    return failed(
      id,
      title,
      `${jwksUri} holds ${keys.length ? `${keys.length} key(s), none an RS256 public key` : 'no keys'}: every token ${source.label} signs will be refused`,
      `${source.label} publishes the key it signs tokens with here. On GitLab, check that its OpenID Connect signing key (openid_connect_signing_key in gitlab-secrets.json) is set and that ${jwksUri} lists it.`,
      details,
    )
  }
  const extra = unusable ? ` (${unusable} other key(s) ignored)` : ''
  return pass(id, title, `${usable.length} RS256 public key(s) import${extra}`, details)
}

function unreachableFix(
  source: IssuerSource,
  url: URL,
  failure: NetworkFailure,
  settings: DoctorSettings,
): string {
  switch (failure.kind) {
    case 'tls':
      return caBundleFix(url.host)
    case 'dns':
      return `Check the host name in ${source.variable}, and the DNS this machine (or container) uses. Do not use localhost inside a container: it is the container itself.`
    case 'refused':
      return `Check that ${source.label} runs and that ${source.variable} names it as this machine reaches it (inside a container, localhost is the container itself; use the host's name or --network host).`
    case 'timeout':
      return `A firewall or proxy drops the traffic: allow this machine to reach ${url.host} directly (the gateway connects without HTTP(S)_PROXY).`
    case 'blocked':
      return `${source.variable} must not point at a link-local address.`
    default:
      return `Check ${source.variable} (${settings.isSet(source.variable) ? 'set' : 'not set'}) and that ${url.host} is reachable from this machine.`
  }
}
