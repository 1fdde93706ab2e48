/**
 * RSA private keys from PEM text, as GitLab's gateway accepts them in
 * `AIGW_SELF_SIGNED_JWT__*`: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`, what
 * `openssl genrsa` wrote before OpenSSL 3). WebCrypto imports only PKCS#8, so PKCS#1 is wrapped.
 */

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const

export interface RsaKeyPair {
  privateKey: CryptoKey
  publicKey: CryptoKey
}

export async function importRsaPrivateKeyPem(pem: string): Promise<RsaKeyPair> {
  const match = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]+?)-----END (RSA )?PRIVATE KEY-----/.exec(pem)
  if (!match) throw new Error('not a PEM private key')
  const der = base64ToBytes(match[2] ?? '')
  const pkcs8 = match[1] ? wrapPkcs1InPkcs8(der) : der
  // Imported once as extractable only to read the public half (n, e); the signing key is not.
  const extractable = await crypto.subtle.importKey('pkcs8', pkcs8, RS256, true, ['sign'])
  const { n, e } = (await crypto.subtle.exportKey('jwk', extractable)) as JsonWebKey
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, RS256, false, ['sign'])
  const publicKey = await crypto.subtle.importKey('jwk', { kty: 'RSA', n, e, ext: true }, RS256, true, [
    'verify',
  ])
  return { privateKey, publicKey }
}

export function importRsaPublicJwk(jwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, ext: true }, RS256, false, [
    'verify',
  ])
}

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64.replace(/\s+/g, ''))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

// PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING }
const PKCS8_VERSION = [0x02, 0x01, 0x00]
const RSA_ALGORITHM_IDENTIFIER = [
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
]

function wrapPkcs1InPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const octetString = [0x04, ...derLength(pkcs1.length), ...pkcs1]
  const content = [...PKCS8_VERSION, ...RSA_ALGORITHM_IDENTIFIER, ...octetString]
  return new Uint8Array([0x30, ...derLength(content.length), ...content])
}

function derLength(length: number): number[] {
  if (length < 0x80) return [length]
  const bytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff)
  return [0x80 | bytes.length, ...bytes]
}
