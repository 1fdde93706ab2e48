/**
 * undici 7 opens a useless connection after every request aborted mid-response (nodejs/undici#5845):
 * the aborted request goes back to the pending side of its Client's queue, and the Client connects
 * for it before it notices that the request is aborted. IDEs cancel completions constantly, so that
 * doubled the connections (and TLS handshakes) to model servers. undici 8.14 fixes it, but measured
 * here it also costs 10–20 % of the proxy's and the code routes' throughput and 60–85 MiB more RSS
 * under load (bench, same machine, back to back): so undici stays at 7 and its Clients get the same
 * fix, dropping aborted requests from the head of the pending queue before each resume.
 *
 * This reaches into undici's internals (its symbols module): the version is pinned exactly, and
 * test/node/outbound-fetch.test.ts counts the connections, so an upgrade that moves them fails there.
 */
import { Client, Pool, type Dispatcher } from 'undici'
// Imported, not required at run time: the bundle (and the container, which has no node_modules) carries it.
// @ts-expect-error: an internal module of undici's, without type declarations
import undiciSymbols from 'undici/lib/core/symbols.js'

const symbols = undiciSymbols as { kResume: symbol; kQueue: symbol; kPendingIdx: symbol }
for (const name of ['kResume', 'kQueue', 'kPendingIdx'] as const) {
  if (typeof symbols[name] !== 'symbol')
    throw new Error(`undici has no ${name}: node-entry/no-reconnect-after-abort.ts needs updating`)
}

type Queue = ({ aborted?: boolean } | null)[]

/** undici's Client, whose resume first drops aborted requests waiting at the head of its queue. */
function client(origin: URL | string, options: Client.Options): Client {
  const created = new Client(origin, options) as Client & Record<symbol, unknown>
  const resume = created[symbols.kResume] as (sync?: boolean) => void
  created[symbols.kResume] = (sync?: boolean) => {
    const queue = created[symbols.kQueue] as Queue
    const pending = created[symbols.kPendingIdx] as number
    while (pending < queue.length && queue[pending]?.aborted) queue.splice(pending, 1)
    resume(sync)
  }
  return created
}

/** An Agent `factory`: the Pool undici would make, of patched Clients. */
export function poolWithoutReconnects(
  origin: URL | string,
  options: Dispatcher.ComposedDispatcher | object,
): Dispatcher {
  return new Pool(origin, { ...(options as Pool.Options), factory: client })
}
