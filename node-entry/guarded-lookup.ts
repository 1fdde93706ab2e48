/**
 * DNS lookup for outbound connections that refuses forbidden answers (link-local, cloud metadata:
 * 169.254.169.254, fe80::/10, in every form, e.g. `::ffff:169.254.169.254`): the core's SSRF guard
 * checks the URL as written, this catches a host name that resolves there, with the same check
 * (src/providers/ip-address.ts). The error's code is what the core maps to a 400.
 */
import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { forbiddenAddress } from '../src/providers/ip-address.ts'

export const LINK_LOCAL_CODE = 'EAIGW_LINK_LOCAL'

type Callback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void
/** `dns.lookup` with `all: true`, the only form the guard calls (a test passes its own resolver). */
export type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void

export function createGuardedLookup(resolve: Resolver = systemLookup as Resolver) {
  return function guardedLookup(hostname: string, options: LookupOptions, callback: Callback): void {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '')
      for (const { address } of addresses) {
        const why = forbiddenAddress(address)
        if (!why) continue
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${address}, ${why}`)
        refused.code = LINK_LOCAL_CODE
        return callback(refused, '')
      }
      if (options.all) return callback(null, addresses)
      const first = addresses[0]!
      callback(null, first.address, first.family)
    })
  }
}

export const guardedLookup = createGuardedLookup()
