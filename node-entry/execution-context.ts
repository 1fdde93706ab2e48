/**
 * Node's stand-in for Workers' ExecutionContext: `waitUntil` work is tracked so a SIGTERM can let
 * it finish (background JWKS refreshes, cache writes) before the process exits.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<unknown>>()

  /** The object passed to `app.fetch` as its execution context. */
  readonly context = {
    waitUntil: (promise: Promise<unknown>): void => {
      const tracked = promise.catch(() => undefined).finally(() => this.pending.delete(tracked))
      this.pending.add(tracked)
    },
    passThroughOnException: (): void => {},
    props: {},
  }

  /** Resolves when every tracked promise has settled, including ones added meanwhile. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending)
  }
}
