/**
 * DNS lookup for outbound connections that refuses link-local answers (cloud metadata at
 * 169.254.169.254, fe80::/10): the core's SSRF guard checks the URL as written, this catches a
 * host name that resolves there. The error's code is what the core maps to a 400.
 */
import { lookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { isLinkLocal } from '../src/providers/endpoint-guard.ts'

export const LINK_LOCAL_CODE = 'EAIGW_LINK_LOCAL'

type Callback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

export function guardedLookup(hostname: string, options: LookupOptions, callback: Callback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '')
    const blocked = addresses.find((a) => isLinkLocal(a.family === 6 ? `[${a.address}]` : a.address))
    if (blocked) {
      const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to the link-local address ${blocked.address}`)
      refused.code = LINK_LOCAL_CODE
      return callback(refused, '')
    }
    if (options.all) return callback(null, addresses)
    const first = addresses[0]!
    callback(null, first.address, first.family)
  })
}
