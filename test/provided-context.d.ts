// What test/fakes/global-setup.ts provides to tests of every runtime through `inject()`.
export {}

declare module 'vitest' {
  export interface ProvidedContext {
    issuerUrl: string
    /** The fake model server (test/fakes/model-server.ts), plain HTTP. */
    modelServerUrl: string
    /** The same fake over HTTPS with a self-signed certificate: every TLS handshake with it fails. */
    untrustedModelServerUrl: string
    /** `http://127.0.0.1:<port>` where nothing listens. */
    refusingUrl: string
    gatewayKeys: { signing: string; signingPkcs1: string; validation: string }
    /** The docs search index built from test/fixtures/docs by `npm run docs:index` (a SQLite file)... */
    docsIndexPath: string
    /** ...and the same index as the SQL it writes for D1. */
    docsIndexSql: string
  }
}
