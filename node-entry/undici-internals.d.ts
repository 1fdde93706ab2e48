/** The one undici internal node-entry/no-reconnect-after-abort.ts reaches into (undici is pinned exactly). */
declare module 'undici/lib/core/symbols.js' {
  const symbols: { kResume: symbol; kQueue: symbol; kPendingIdx: symbol }
  export default symbols
}
