/**
 * Google access tokens from a service-account key, minted by the gateway itself with the
 * JWT-bearer grant (RFC 7523, Google's "OAuth 2.0 for server to server"): Workers has no
 * Application Default Credentials, and one code path keeps both runtimes alike.
 *
 * Tokens are cached until shortly before they expire; concurrent callers share one grant; a
 * failed grant is never cached, and a refresh that fails while the held token is still valid
 * hands out that token instead of failing the call.
 */
import { readBounded } from '../http/bounded-body.ts'
import { ProviderSetupError } from '../model-call/types.ts'
import { importPKCS8, SignJWT } from 'jose'

export interface AccessTokenSource {
  token(): Promise<string>
}

export interface ServiceAccountTokenOptions {
  /** The key file's JSON text: type "service_account", client_email, private_key (PKCS#8 PEM), private_key_id, token_uri. */
  serviceAccountJson: string | undefined
  fetch: typeof fetch
  /** Milliseconds since the epoch (Date.now by default); tests drive the clock through it. */
  now?: () => number
}

export const SERVICE_ACCOUNT_SETTING = 'AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY'
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token'
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const ASSERTION_LIFETIME_S = 3600
const REFRESH_MARGIN_MS = 5 * 60_000
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024
const GRANT_TIMEOUT_MS = 10_000
/** A held token this close to expiry is not handed out when its refresh fails: the call would fail upstream anyway. */
const MIN_REMAINING_MS = 10_000

interface ServiceAccount {
  clientEmail: string
  privateKeyId: string | undefined
  tokenUri: string
  key: CryptoKey
}

interface HeldToken {
  value: string
  /** When to stop handing it out without trying a refresh. */
  refreshAt: number
  expiresAt: number
}

export function createServiceAccountTokenSource(options: ServiceAccountTokenOptions): AccessTokenSource {
  const fetchFn = options.fetch // called unbound: a native fetch refuses a foreign `this`
  const now = options.now ?? Date.now
  // Parsed and imported once, on first use; a setup error is just as permanent, so it is kept too.
  let account: Promise<ServiceAccount> | undefined
  let held: HeldToken | undefined
  let inFlight: Promise<HeldToken> | undefined

  const refresh = (): Promise<HeldToken> => {
    inFlight ??= (async () => {
      account ??= loadServiceAccount(options.serviceAccountJson)
      const token = await grant(await account, fetchFn, now)
      held = token
      return token
    })().finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  return {
    async token() {
      if (held && now() < held.refreshAt) return held.value
      const stale = held
      try {
        return (await refresh()).value
      } catch (error) {
        if (stale && now() < stale.expiresAt - MIN_REMAINING_MS) return stale.value
        throw error
      }
    },
  }
}

function setupError(problem: string): ProviderSetupError {
  return new ProviderSetupError(`${SERVICE_ACCOUNT_SETTING} ${problem}`)
}

/** Reads the key file's JSON; every message says what is wrong and never quotes the key. */
async function loadServiceAccount(json: string | undefined): Promise<ServiceAccount> {
  if (!json?.trim()) throw setupError('is not set: Vertex AI needs a service-account key (the JSON key file)')
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    throw setupError('is not valid JSON: it must hold the whole service-account key file')
  }
  if (!isRecord(parsed))
    throw setupError('is not a JSON object: it must hold the whole service-account key file')
  if (parsed.type !== undefined && parsed.type !== 'service_account') {
    throw setupError('is not a service-account key: its "type" must be "service_account"')
  }
  const {
    client_email: clientEmail,
    private_key: privateKey,
    private_key_id: privateKeyId,
    token_uri: tokenUri,
  } = parsed
  if (typeof clientEmail !== 'string' || !clientEmail) throw setupError('has no "client_email"')
  if (typeof privateKey !== 'string' || !privateKey) throw setupError('has no "private_key"')
  if (tokenUri !== undefined && (typeof tokenUri !== 'string' || !URL.canParse(tokenUri))) {
    throw setupError('has a "token_uri" that is not a URL')
  }
  let key: CryptoKey
  try {
    // A key pasted through a shell often arrives with literal "\n" instead of line breaks.
    key = await importPKCS8(privateKey.replace(/\\n/g, '\n'), 'RS256')
  } catch {
    throw setupError('has a "private_key" that is not a PKCS#8 RSA private key (-----BEGIN PRIVATE KEY-----)')
  }
  return {
    clientEmail,
    privateKeyId: typeof privateKeyId === 'string' && privateKeyId ? privateKeyId : undefined,
    tokenUri: typeof tokenUri === 'string' && tokenUri ? tokenUri : DEFAULT_TOKEN_URI,
    key,
  }
}

/** One JWT-bearer grant. Network failures are the fetch's own errors, for the client to classify. */
async function grant(account: ServiceAccount, fetchFn: typeof fetch, now: () => number): Promise<HeldToken> {
  const issuedAt = Math.floor(now() / 1000)
  const assertion = await new SignJWT({ scope: SCOPE })
    .setProtectedHeader({
      alg: 'RS256',
      typ: 'JWT',
      ...(account.privateKeyId ? { kid: account.privateKeyId } : {}),
    })
    .setIssuer(account.clientEmail)
    .setSubject(account.clientEmail)
    .setAudience(account.tokenUri)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ASSERTION_LIFETIME_S)
    .sign(account.key)
  const sentAt = now()
  const response = await fetchFn(account.tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: GRANT_TYPE, assertion }).toString(),
    signal: AbortSignal.timeout(GRANT_TIMEOUT_MS),
  })
  // A token answer is a few hundred bytes: more is a broken (or hostile) endpoint, and is not held.
  const text = await readBounded(response, MAX_TOKEN_ANSWER_BYTES)
  if (text === undefined)
    throw new Error(
      `Vertex AI access token: Google's token endpoint answered more than ${MAX_TOKEN_ANSWER_BYTES} bytes`,
    )
  const answer = parseJson(text)
  const prefix = `Vertex AI access token: Google's token endpoint answered ${response.status}`
  if (!response.ok) throw new Error(`${prefix}${describeOAuthError(answer)}`)
  const accessToken = isRecord(answer) ? answer.access_token : undefined
  if (typeof accessToken !== 'string' || !accessToken) throw new Error(`${prefix} without an access_token`)
  const expiresIn = isRecord(answer) ? Number(answer.expires_in) : Number.NaN
  const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : ASSERTION_LIFETIME_S) * 1000
  // Counted from when the grant was sent, so latency only makes the token look older than it is.
  const expiresAt = sentAt + lifetimeMs
  return { value: accessToken, expiresAt, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) }
}

/** Google's `error` and `error_description` (RFC 6749 §5.2): codes and prose, never the assertion. */
function describeOAuthError(answer: unknown): string {
  if (!isRecord(answer)) return ''
  const fields = [answer.error, answer.error_description]
    .filter((field): field is string => typeof field === 'string' && field.length > 0)
    .map((field) => field.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300))
  return fields.length ? `: ${fields.join(': ')}` : ''
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
