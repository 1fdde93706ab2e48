/**
 * test/workerd-noise.ts: the filter drops workerd's logs of connections broken on purpose (lines
 * recorded from a real run) and keeps everything else, failures above all.
 */
import { describe, expect, it } from 'vitest'
import { createWorkerdNoiseFilter } from '../workerd-noise.ts'

const BIN = '/work/aigw/node_modules/@cloudflare/workerd-linux-64/bin/workerd'
const stack = (...addresses: string[]) => `stack: ${addresses.map((a) => `${BIN}@${a}`).join(' ')}`

// As Miniflare's log handler writes them: one message per write, stack line included.
const REFUSED = `exception = rust/worker/ffi.rs:110: disconnected: Connection refused (os error 111)\n${stack('26b6840', '3739630', '3358d60')}\n`
const BODY_CUT = `exception = rust/worker/ffi.rs:110: disconnected: HTTP body: error reading a body from connection\n${stack('26b6840', '5e0659a')}\n`
const LOST_PROMISE =
  'uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.\n'
const LOST_JSG = `uncaught exception; exception = workerd/jsg/value.h:1511: disconnected: jsg.Error: Network connection lost.\n${stack('36c6fb0', '36c7c0f')}\n`
const DNS = `e = rust/worker/ffi.rs:110: failed: failed to lookup address information: Name or service not known\n${stack('26b6840')}; sentryErrorContext = jsgInternalError; wdErrId = 2gj2b4qkaemptph54q3blbtl\n`
const DNS_PROMISE =
  'uncaught exception; source = Uncaught (in promise); stack = Error: internal error; reference = 2gj2b4qkaemptph54q3blbtl\n'
const DNS_JSG = `uncaught exception; exception = workerd/jsg/value.h:1511: failed: jsg.Error: internal error; reference = 2gj2b4qkaemptph54q3blbtl\n${stack('36c6fb0')}\n`

describe('workerd noise filter', () => {
  it("drops workerd's reports of refused, reset and cut connections, with their native stacks", () => {
    const filter = createWorkerdNoiseFilter()
    for (const chunk of [REFUSED, BODY_CUT, LOST_PROMISE, LOST_JSG])
      expect(filter.keep(chunk), chunk).toBe(false)
    expect(filter.hidden).toBe(7)
  })

  it('drops a failed DNS lookup and the "internal error" reports that carry its id, and no other internal error', () => {
    const filter = createWorkerdNoiseFilter()
    expect(filter.keep(DNS_PROMISE)).toBe(true) // no DNS failure seen with that id yet
    expect(filter.keep(DNS)).toBe(false)
    expect(filter.keep(DNS_PROMISE)).toBe(false)
    expect(filter.keep(DNS_JSG)).toBe(false)
    expect(filter.keep(DNS_PROMISE.replace('2gj2b4qkaemptph54q3blbtl', 'someothererrorid'))).toBe(true)
  })

  it('drops a stack line written on its own right after a dropped message, and keeps one after anything else', () => {
    const filter = createWorkerdNoiseFilter()
    expect(filter.keep('exception = rust/worker/ffi.rs:110: disconnected: Connection reset by peer\n')).toBe(
      false,
    )
    expect(filter.keep(`${stack('26b6840')}\n`)).toBe(false)
    expect(filter.keep('exception = workerd/io/worker.c++:123: failed: something else\n')).toBe(true)
    expect(filter.keep(`${stack('26b6840')}\n`)).toBe(true)
  })

  it('keeps failures: test reports, JavaScript exceptions (with frames), other runtime errors, and mixed chunks', () => {
    const filter = createWorkerdNoiseFilter()
    for (const chunk of [
      ' FAIL  workers  test/workers/proxy.test.ts > proxy > streams\nAssertionError: expected 502 to be 200\n',
      "uncaught exception; source = Uncaught (in promise); stack = TypeError: Cannot read properties of undefined (reading 'body')\n    at guardBody (src/streaming/guard.ts:40:12)\n",
      'uncaught exception; source = Uncaught (in promise); stack = Error: Network connection lost.\n    at send (src/providers/transport.ts:55:22)\n',
      'uncaught exception; exception = workerd/jsg/value.h:1511: failed: jsg.TypeError: boom\n',
      'Error: Network connection lost.\n',
      `${LOST_PROMISE}AssertionError: expected 1 to be 2\n`,
      '{"timestamp":"2026-12-07T12:00:00.000Z","level":"warning","logger":"auth.jwks","message":"Could not load signing keys","error":"Network connection lost."}\n',
    ]) {
      expect(filter.keep(chunk), chunk).toBe(true)
    }
    expect(filter.hidden).toBe(0)
  })
})
