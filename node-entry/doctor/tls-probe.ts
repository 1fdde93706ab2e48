/**
 * Whether an HTTPS server's certificate chain is trusted by the CAs the gateway trusts (Node's
 * default store, plus SSL_CERT_FILE / REQUESTS_CA_BUNDLE once applied), and who issued it. The
 * handshake completes even when the chain is not trusted, so the verdict can name the issuer.
 */
import { isIP } from 'node:net'
import { connect, type PeerCertificate } from 'node:tls'
import { guardedLookup } from '../guarded-lookup.ts'
import { describeFailure, type NetworkFailure } from './probe.ts'

export interface TlsFindings {
  authorized: boolean
  /** The verification error code when not authorized (SELF_SIGNED_CERT_IN_CHAIN...). */
  error: string | undefined
  subject: string
  issuer: string
  validTo: string
  /** The server sent a single certificate that signed itself. */
  selfSigned: boolean
}

export type TlsProbe = { ok: true; findings: TlsFindings } | { ok: false; failure: NetworkFailure }

export function probeTls(url: URL, timeoutMs: number): Promise<TlsProbe> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = Number(url.port || 443)
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      lookup: guardedLookup,
    })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({
        ok: false,
        failure: {
          kind: 'timeout',
          code: undefined,
          reason: `no TLS handshake within ${timeoutMs / 1000} s`,
        },
      })
    }, timeoutMs)
    socket.once('secureConnect', () => {
      clearTimeout(timer)
      const certificate = socket.getPeerCertificate(true)
      const error = socket.authorizationError
      socket.end()
      resolve({
        ok: true,
        findings: {
          authorized: socket.authorized,
          error: error ? String((error as { code?: string }).code ?? error) : undefined,
          subject: distinguishedName(certificate?.subject),
          issuer: distinguishedName(certificate?.issuer),
          validTo: certificate?.valid_to ?? '',
          selfSigned:
            Boolean(certificate && certificate.issuerCertificate === certificate) || sameName(certificate),
        },
      })
    })
    socket.once('error', (error) => {
      clearTimeout(timer)
      resolve({ ok: false, failure: describeFailure(error, timeoutMs) })
    })
  })
}

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return ''
  const parts = (['CN', 'O', 'OU'] as const).flatMap((key) => {
    const value = (name as unknown as Record<string, string | string[] | undefined>)[key]
    return value === undefined ? [] : [`${key}=${Array.isArray(value) ? value.join('+') : value}`]
  })
  return parts.join(', ')
}

function sameName(certificate: PeerCertificate | undefined): boolean {
  if (!certificate?.subject || !certificate.issuer) return false
  return JSON.stringify(certificate.subject) === JSON.stringify(certificate.issuer)
}
