/**
 * The SSRF guard's address normalisation (src/providers/ip-address.ts), table-driven: every form
 * an address can be written in, as URLs write it and as DNS answers come back, reduced to what it
 * reaches before the check. Shared by the URL check (both runtimes) and the Node adapter's DNS guard.
 */
import { describe, expect, it } from 'vitest'
import { checkModelEndpoint } from '../../src/providers/endpoint-guard.ts'
import { forbiddenAddress, reachedAddress } from '../../src/providers/ip-address.ts'

/** [as written, the address it reaches] */
const FORMS: [string, string][] = [
  ['169.254.169.254', '169.254.169.254'],
  ['::ffff:169.254.169.254', '169.254.169.254'], // IPv4-mapped, dotted: what a DNS answer looks like
  ['::ffff:a9fe:a9fe', '169.254.169.254'], // the same, as the URL parser writes it
  ['[::ffff:a9fe:a9fe]', '169.254.169.254'], // a URL's bracketed hostname
  ['0:0:0:0:0:ffff:a9fe:a9fe', '169.254.169.254'],
  ['::FFFF:A9FE:A9FE', '169.254.169.254'],
  ['::ffff:0:169.254.169.254', '169.254.169.254'], // SIIT (RFC 6145)
  ['::169.254.169.254', '169.254.169.254'], // IPv4-compatible (deprecated)
  ['64:ff9b::169.254.169.254', '169.254.169.254'], // NAT64 well-known prefix
  ['64:ff9b:1::a9fe:a9fe', '169.254.169.254'], // NAT64 local-use prefix
  ['2002:a9fe:a9fe::1', '169.254.169.254'], // 6to4
  ['::ffff:127.0.0.1', '127.0.0.1'],
  ['fe80::1%eth0', 'fe80::1%eth0'], // a zone id, as a DNS answer may carry it, is kept
  ['::1', '::1'],
  ['::', '::'],
  ['2001:db8::1', '2001:db8::1'],
  ['10.0.0.7', '10.0.0.7'],
]

const FORBIDDEN = [
  '169.254.169.254',
  '169.254.0.1',
  '::ffff:169.254.169.254',
  '::ffff:a9fe:a9fe',
  '[::ffff:a9fe:a9fe]',
  '::ffff:0:169.254.169.254',
  '::169.254.169.254',
  '64:ff9b::a9fe:a9fe',
  '2002:a9fe:0001::',
  'fe80::1',
  'fe80::1%eth0',
  'febf:ffff::1',
  '[fe80::abcd]',
  '100.100.100.200', // Alibaba Cloud metadata
  '::ffff:100.100.100.200',
  '192.0.0.192', // Oracle Cloud metadata (legacy)
  'fd00:ec2::254', // AWS IMDS over IPv6
  '[fd00:ec2::254]',
]

const ALLOWED = [
  '127.0.0.1',
  '::1',
  '::ffff:127.0.0.1',
  '10.1.2.3',
  '192.168.1.10',
  '::ffff:10.1.2.3',
  'fec0::1',
  'fd00::1',
  '2001:db8::1',
  'vllm.internal',
  'localhost',
  '::',
]

export function ipAddressCases(runtime: 'node' | 'workerd') {
  describe(`SSRF address forms [${runtime}]`, () => {
    it.each(FORMS)('%s reaches %s', (written, reached) => {
      expect(reachedAddress(written)?.toString()).toBe(reached)
    })

    it.each(FORBIDDEN)('refuses %s', (address) => {
      expect(forbiddenAddress(address)).toBeDefined()
    })

    it.each(ALLOWED)('lets %s through', (address) => {
      expect(forbiddenAddress(address)).toBeUndefined()
    })

    it('refuses every forbidden form as a model endpoint URL, however the URL writes it', () => {
      const urls = [
        'http://169.254.169.254/v1',
        'http://[::ffff:169.254.169.254]/v1',
        'http://[::ffff:a9fe:a9fe]:8080/v1',
        'http://[64:ff9b::169.254.169.254]/v1',
        'http://[2002:a9fe:a9fe::]/v1',
        'http://[::169.254.169.254]/v1',
        'http://[fe80::1]/v1',
        'http://[fd00:ec2::254]/v1',
        'http://2852039166/v1',
        'http://0xa9.254.169.254/v1',
        'http://0251.0376.0251.0376/v1',
        'http://metadata.google.internal/v1',
        'http://100.100.100.200/v1',
      ]
      for (const url of urls)
        expect(() => checkModelEndpoint(url, null), url).toThrow(/link-local or cloud metadata/)
      for (const url of [
        'http://127.0.0.1:8000/v1',
        'http://[::1]:8000/v1',
        'http://[::ffff:127.0.0.1]/v1',
        'http://vllm.internal/v1',
      ]) {
        expect(() => checkModelEndpoint(url, null), url).not.toThrow()
      }
    })
  })
}
