/** The script and records of the fake model server (test/fakes/model-server.ts); no runtime APIs, so tests in workerd share them. */

export interface Chunk {
  /** UTF-8 text, or */
  text?: string
  /** raw bytes (binary framings such as AWS event streams). */
  base64?: string
  /** Wait before sending this chunk. */
  delayMs?: number
}

export interface Step {
  match?: string
  times?: number
  status?: number
  headers?: Record<string, string>
  /** Wait before sending the status line. */
  delayMs?: number
  chunks?: Chunk[]
  /** After the chunks: keep the response open until the client goes away. */
  hang?: boolean
  /** After the chunks: destroy the connection without ending the response (a crashed server). */
  destroy?: boolean
}

export interface Received {
  method: string
  /** Path after the tenant prefix, with the query string. */
  path: string
  headers: Record<string, string>
  body: string
  bodyBase64: string
  /** The client closed the connection before the response was complete. */
  closedEarly: boolean
  /** Milliseconds from the request's arrival to its connection closing early, if it did. */
  closedAfterMs: number | null
}
