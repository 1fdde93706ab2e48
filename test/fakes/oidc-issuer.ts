/**
 * A fake OIDC issuer (a GitLab instance or CustomersDot) on a real port: real RSA keys, a real
 * discovery document and JWKS over HTTP. Runs in Node (vitest globalSetup); tests in any runtime
 * drive it over HTTP through `IssuerClient` (test/contract/issuer-client.ts).
 *
 * Every tenant lives under `/t/<id>`, so parallel tests never share keys or counters, and every
 * issuer URL has a sub-path (as a GitLab under a relative URL root does).
 *
 * Control API (JSON):
 *   POST /control/tenants                 {cacheControl?}            -> {id, url}
 *   POST /control/t/<id>/sign             {claims, kid?, key?, alg?} -> {token}
 *        kid: "thumbprint" (default) | "none" | any string; key: "current" | "foreign" | "previous"
 *   POST /control/t/<id>/rotate           {keepPrevious?}            -> {kid}
 *   POST /control/t/<id>/state            {status?, delayMs?, cacheControl?, keys?: "empty"}
 *   GET  /control/t/<id>/stats                                       -> {discovery, jwks}
 */
import { createHmac, generateKeyPair, type KeyObject } from 'node:crypto'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose'

interface IssuerKey {
  privateKey: KeyObject
  jwk: JWK
  kid: string
}

interface Tenant {
  id: string
  url: string
  keys: IssuerKey[]
  previous: IssuerKey | undefined
  status: number
  delayMs: number
  cacheControl: string | null
  emptyKeys: boolean
  stats: { discovery: number; jwks: number }
}

export interface FakeIssuer {
  url: string
  close(): Promise<void>
}

export async function startFakeIssuer(tls?: { key: string; cert: string }): Promise<FakeIssuer> {
  const pool = new KeyPool()
  const foreign = await pool.take()
  const tenants = new Map<string, Tenant>()
  let baseUrl = ''
  let nextId = 1

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const body = req.method === 'POST' ? await readJson(req) : {}
    if (req.method === 'POST' && path === '/control/tenants') {
      const id = `${nextId++}-${Math.random().toString(36).slice(2, 8)}`
      const tenant: Tenant = {
        id,
        url: `${baseUrl}/t/${id}`,
        keys: [await pool.take()],
        previous: undefined,
        status: 200,
        delayMs: 0,
        cacheControl: typeof body.cacheControl === 'string' ? body.cacheControl : 'max-age=86400, public',
        emptyKeys: false,
        stats: { discovery: 0, jwks: 0 },
      }
      tenants.set(id, tenant)
      return send(res, 200, { id, url: tenant.url })
    }
    const match = /^\/(control\/)?t\/([^/]+)(\/.*)$/.exec(path)
    const tenant = match ? tenants.get(match[2] ?? '') : undefined
    if (!match || !tenant) return send(res, 404, { error: 'no such tenant' })
    const [, control, , rest] = match
    if (control) return handleControl(tenant, rest ?? '', body, res)

    if (rest === '/.well-known/openid-configuration') tenant.stats.discovery++
    else if (rest === '/oauth/discovery/keys') tenant.stats.jwks++
    else return send(res, 404, { error: 'not found' })
    if (tenant.delayMs) await new Promise((r) => setTimeout(r, tenant.delayMs))
    if (tenant.status !== 200) return send(res, tenant.status, { error: 'unavailable' })
    if (rest === '/.well-known/openid-configuration') {
      return send(res, 200, { issuer: tenant.url, jwks_uri: `${tenant.url}/oauth/discovery/keys` })
    }
    const keys = tenant.emptyKeys
      ? []
      : tenant.keys.map((k) => ({ ...k.jwk, kid: k.kid, use: 'sig', alg: 'RS256' }))
    return send(res, 200, { keys }, tenant.cacheControl ? { 'cache-control': tenant.cacheControl } : {})
  }

  const handleControl = async (
    tenant: Tenant,
    action: string,
    body: Record<string, unknown>,
    res: ServerResponse,
  ) => {
    if (action === '/stats') return send(res, 200, tenant.stats)
    if (action === '/state') {
      if (typeof body.status === 'number') tenant.status = body.status
      if (typeof body.delayMs === 'number') tenant.delayMs = body.delayMs
      if (body.cacheControl !== undefined) tenant.cacheControl = body.cacheControl as string | null
      if (body.keys !== undefined) tenant.emptyKeys = body.keys === 'empty'
      return send(res, 200, {})
    }
    if (action === '/rotate') {
      const next = await pool.take()
      tenant.previous = tenant.keys[tenant.keys.length - 1]
      tenant.keys = body.keepPrevious ? [...tenant.keys, next] : [next]
      return send(res, 200, { kid: next.kid })
    }
    if (action === '/sign') {
      const which = body.key ?? 'current'
      const key =
        which === 'foreign'
          ? foreign
          : which === 'previous'
            ? tenant.previous
            : tenant.keys[tenant.keys.length - 1]
      if (!key) return send(res, 400, { error: 'no such key' })
      const header: Record<string, unknown> = { typ: 'JWT' }
      const kid = body.kid ?? 'thumbprint'
      if (kid === 'thumbprint') header.kid = key.kid
      else if (kid !== 'none') header.kid = kid
      const token =
        body.alg === 'HS256'
          ? hs256(body.claims as object, { ...header, alg: 'HS256' }, String(body.secret ?? 'secret'))
          : await new SignJWT(body.claims as Record<string, unknown>)
              .setProtectedHeader({ ...header, alg: 'RS256' })
              .sign(key.privateKey)
      return send(res, 200, { token })
    }
    return send(res, 404, { error: 'unknown control action' })
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }))
  }
  const server: Server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`
  void pool.fill()
  return {
    url: baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** RSA key generation takes tens of milliseconds, so keys are made ahead of use. */
class KeyPool {
  private readonly ready: Promise<IssuerKey>[] = []

  take(): Promise<IssuerKey> {
    void this.fill()
    return this.ready.shift() ?? makeKey()
  }

  async fill(): Promise<void> {
    while (this.ready.length < 16) this.ready.push(makeKey())
  }
}

async function makeKey(): Promise<IssuerKey> {
  const privateKey = await new Promise<KeyObject>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, _publicKey, key) =>
      error ? reject(error) : resolve(key),
    ),
  )
  const { kty, n, e } = await exportJWK(privateKey)
  const jwk = { kty, n, e } as JWK
  return { privateKey, jwk, kid: await calculateJwkThumbprint(jwk) }
}

function hs256(claims: object, header: object, secret: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode(header)}.${encode(claims)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
