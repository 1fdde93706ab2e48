/** Small pieces shared by the Agent Platform's gRPC handlers. */
import type * as grpc from '@grpc/grpc-js'
import type { Metadata } from '../../src/agent-platform/service.ts'
import type { MessageCodec } from './codec.ts'

/**
 * What a request deserializer returns for bytes that are not the message. grpc-js would answer a
 * throwing deserializer with INTERNAL on its own and leave the handler waiting; with a marker the
 * handler ends the call itself, with INVALID_ARGUMENT, and knows it is over.
 */
export const MALFORMED: unique symbol = Symbol('malformed protobuf')

export function decodeOrMalformed<T>(codec: MessageCodec<T>, bytes: Buffer): T | typeof MALFORMED {
  try {
    return codec.decode(bytes)
  } catch {
    return MALFORMED
  }
}

/** grpc-js writes Buffers; protobufjs gives one already on Node, this makes sure without a copy. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** The call's metadata for the engine: text keys only (grpc-js already leaves pseudo-headers out). */
export function metadataRecord(metadata: grpc.Metadata): Metadata {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string' && !key.endsWith('-bin')) out[key] = value
  }
  return Object.freeze(out)
}
