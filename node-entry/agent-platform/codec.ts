/**
 * Protobuf ↔ the plain objects of src/agent-platform/contract.ts, from the .proto files beside
 * this module (read at start-up; the Node build copies them next to the bundle).
 *
 * protobufjs does the wire work; this module only walks its reflection to give the engine the
 * contract's shape: proto field names as written, oneof members and proto3 `optional` fields only
 * when present, other scalars, lists and maps always (their default when not sent), int64 as
 * numbers, Struct as JSON, enums by name. Encoding is canonical proto3, as Go and Python write it:
 * an implicit-presence scalar at its default is not written. Unknown fields are skipped.
 */
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'
import type {
  Action,
  ClientEvent,
  GenerateTokenRequest,
  GenerateTokenResponse,
  ListFlowsRequest,
  ListFlowsResponse,
  ListToolsRequest,
  ListToolsResponse,
  Outgoing,
} from '../../src/agent-platform/contract.ts'

export interface MessageCodec<T> {
  /** Throws a TypeError when the value cannot be this message (e.g. two members of one oneof). */
  encode(value: Outgoing<T>): Uint8Array
  /** Throws when the bytes are not this message. */
  decode(bytes: Uint8Array): T
}

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN'

export interface AgentPlatformCodecs {
  clientEvent: MessageCodec<ClientEvent>
  action: MessageCodec<Action>
  generateTokenRequest: MessageCodec<GenerateTokenRequest>
  generateTokenResponse: MessageCodec<GenerateTokenResponse>
  listToolsRequest: MessageCodec<ListToolsRequest>
  listToolsResponse: MessageCodec<ListToolsResponse>
  listFlowsRequest: MessageCodec<ListFlowsRequest>
  listFlowsResponse: MessageCodec<ListFlowsResponse>
  healthCheckRequest: MessageCodec<{ service: string }>
  healthCheckResponse: MessageCodec<{ status: HealthStatus }>
}

const STRUCT = '.google.protobuf.Struct'
const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'])

let loaded: AgentPlatformCodecs | undefined

/** The codecs of contract.proto and health.proto (parsed once per process). */
export function agentPlatformCodecs(): AgentPlatformCodecs {
  loaded ??= load()
  return loaded
}

/** The text of a .proto file beside this module (or beside the bundle, where the build copies it). */
export function protoText(name: 'contract.proto' | 'health.proto'): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')
}

function load(): AgentPlatformCodecs {
  const root = new protobuf.Root()
  // contract.proto imports google/protobuf/struct.proto: protobufjs ships it as a "common" file.
  const struct = protobuf.common.get('google/protobuf/struct.proto')
  if (!struct) throw new Error('protobufjs does not ship google/protobuf/struct.proto')
  root.addJSON(struct.nested ?? {})
  protobuf.parse(protoText('contract.proto'), root, { keepCase: true })
  protobuf.parse(protoText('health.proto'), root, { keepCase: true })
  root.resolveAll()
  const codec = <T>(name: string): MessageCodec<T> => messageCodec<T>(root.lookupType(name))
  return {
    clientEvent: codec('ClientEvent'),
    action: codec('Action'),
    generateTokenRequest: codec('GenerateTokenRequest'),
    generateTokenResponse: codec('GenerateTokenResponse'),
    listToolsRequest: codec('ListToolsRequest'),
    listToolsResponse: codec('ListToolsResponse'),
    listFlowsRequest: codec('ListFlowsRequest'),
    listFlowsResponse: codec('ListFlowsResponse'),
    healthCheckRequest: codec('grpc.health.v1.HealthCheckRequest'),
    healthCheckResponse: codec('grpc.health.v1.HealthCheckResponse'),
  }
}

function messageCodec<T>(type: protobuf.Type): MessageCodec<T> {
  return {
    encode: (value) => type.encode(toWire(type, value as Record<string, unknown>)).finish(),
    decode: (bytes) => fromWire(type, type.decode(bytes) as unknown as Record<string, unknown>) as T,
  }
}

/** Oneof members, proto3 `optional` fields and singular messages are there only when sent. */
function hasExplicitPresence(field: protobuf.Field): boolean {
  return (
    field.partOf !== null || (field.resolvedType instanceof protobuf.Type && !field.repeated && !field.map)
  )
}

// ---- decoding

function fromWire(type: protobuf.Type, message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of type.fieldsArray) {
    const name = field.name
    const sent = Object.hasOwn(message, name) && message[name] != null
    if (field.map) {
      const entries = Object.entries((sent ? message[name] : {}) as Record<string, unknown>)
      out[name] = Object.fromEntries(entries.map(([key, value]) => [key, valueFromWire(field, value)]))
    } else if (field.repeated) {
      out[name] = ((sent ? message[name] : []) as unknown[]).map((value) => valueFromWire(field, value))
    } else if (!hasExplicitPresence(field)) {
      // Not sent: the default protobufjs keeps on the message prototype.
      out[name] = valueFromWire(field, message[name])
    } else if (sent) {
      out[name] = valueFromWire(field, message[name])
    }
  }
  return out
}

function valueFromWire(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolvedType
  if (resolved instanceof protobuf.Type) {
    const message = value as Record<string, unknown>
    return resolved.fullName === STRUCT ? structFromWire(message) : fromWire(resolved, message)
  }
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[value as number] ?? value
  if (INT64_TYPES.has(field.type)) return longToNumber(value)
  return value
}

function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (value && typeof value === 'object' && 'toNumber' in value)
    return (value as { toNumber(): number }).toNumber()
  return Number(value)
}

interface WireValue {
  nullValue?: number
  numberValue?: number
  stringValue?: string
  boolValue?: boolean
  structValue?: { fields?: Record<string, WireValue> }
  listValue?: { values?: WireValue[] }
}

function structFromWire(struct: { fields?: Record<string, WireValue> }): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(struct.fields ?? {})) out[key] = jsonFromWire(value)
  return out
}

/** The member of Value's oneof `kind` that was sent (protobufjs keeps the others' defaults on the prototype). */
function jsonFromWire(value: WireValue): unknown {
  if (Object.hasOwn(value, 'numberValue')) return value.numberValue
  if (Object.hasOwn(value, 'stringValue')) return value.stringValue
  if (Object.hasOwn(value, 'boolValue')) return value.boolValue
  if (Object.hasOwn(value, 'structValue')) return structFromWire(value.structValue ?? {})
  if (Object.hasOwn(value, 'listValue')) return (value.listValue?.values ?? []).map(jsonFromWire)
  return null
}

// ---- encoding

function toWire(type: protobuf.Type, value: Record<string, unknown>): Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw new TypeError(`${type.name} must be an object`)
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((name) => value[name] != null)
    if (set.length > 1)
      throw new TypeError(`${type.name} has more than one of ${oneof.name}: ${set.join(', ')}`)
  }
  const out: Record<string, unknown> = {}
  for (const field of type.fieldsArray) {
    const name = field.name
    const fieldValue = value[name]
    if (fieldValue == null) continue
    if (field.map) {
      const entries = Object.entries(fieldValue as Record<string, unknown>).filter(
        ([, entry]) => entry != null,
      )
      out[name] = Object.fromEntries(entries.map(([key, entry]) => [key, valueToWire(field, entry)]))
    } else if (field.repeated) {
      out[name] = (fieldValue as unknown[]).map((entry) => valueToWire(field, entry))
    } else if (hasExplicitPresence(field) || !isDefault(fieldValue)) {
      out[name] = valueToWire(field, fieldValue)
    }
  }
  return out
}

function valueToWire(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolvedType
  if (resolved instanceof protobuf.Type) {
    const message = value as Record<string, unknown>
    return resolved.fullName === STRUCT ? structToWire(message) : toWire(resolved, message)
  }
  if (resolved instanceof protobuf.Enum && typeof value === 'string') {
    const number = resolved.values[value]
    if (number === undefined) throw new TypeError(`${resolved.name} has no value ${value}`)
    return number
  }
  return value
}

function isDefault(value: unknown): boolean {
  return value === '' || value === 0 || value === false || (value instanceof Uint8Array && value.length === 0)
}

function structToWire(object: Record<string, unknown>): { fields: Record<string, WireValue> } {
  const fields: Record<string, WireValue> = {}
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) fields[key] = jsonToWire(value)
  }
  return { fields }
}

function jsonToWire(value: unknown): WireValue {
  if (value === null || value === undefined) return { nullValue: 0 }
  if (typeof value === 'number') return { numberValue: value }
  if (typeof value === 'string') return { stringValue: value }
  if (typeof value === 'boolean') return { boolValue: value }
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToWire) } }
  if (typeof value === 'object') return { structValue: structToWire(value as Record<string, unknown>) }
  throw new TypeError(`a ${typeof value} cannot be a google.protobuf.Value`)
}
