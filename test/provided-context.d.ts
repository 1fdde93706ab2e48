// What test/fakes/global-setup.ts provides to tests of every runtime through `inject()`.
export {}

declare module 'vitest' {
  export interface ProvidedContext {
    issuerUrl: string
    gatewayKeys: { signing: string; signingPkcs1: string; validation: string }
  }
}
