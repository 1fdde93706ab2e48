/**
 * Tool arguments: the JSON Schema pieces the tool rows are written with, and the check every call's
 * arguments go through before a handler sees them. Models get names and types wrong often enough
 * that a clear sentence back ("merge_request_iid must be an integer") is worth more than GitLab's
 * silent coercions; the coercions GitLab's service does make (pydantic's lax mode: `"12"` for an
 * integer, `"true"` for a boolean) are made here too, so nothing GitLab accepts is refused.
 */

export type Schema = Record<string, unknown>

/** A tool call that cannot be carried out as asked: the message goes to the model as the tool's result. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ToolError'
  }
}

// ---- schema builders (the shapes pydantic gives GitLab's own tool schemas)

const withDescription = (schema: Schema, description: string | undefined): Schema =>
  description === undefined ? schema : { ...schema, description }

export const s = {
  string: (description?: string, extra: Schema = {}): Schema =>
    withDescription({ type: 'string', ...extra }, description),
  integer: (description?: string, extra: Schema = {}): Schema =>
    withDescription({ type: 'integer', ...extra }, description),
  boolean: (description?: string, extra: Schema = {}): Schema =>
    withDescription({ type: 'boolean', ...extra }, description),
  enum: (values: readonly string[], description?: string): Schema =>
    withDescription({ type: 'string', enum: [...values] }, description),
  array: (items: Schema, description?: string): Schema =>
    withDescription({ type: 'array', items }, description),
  /** `Union[int, str]`: a numeric id or a (URL-encoded) path. */
  idOrPath: (description?: string): Schema =>
    withDescription({ anyOf: [{ type: 'integer' }, { type: 'string' }] }, description),
  object: (properties: Record<string, Schema>, required: string[] = [], description?: string): Schema =>
    withDescription({ type: 'object', properties, required }, description),
}

/** The `parameters` of a tool: an object schema; `required` lists what the model must always give. */
export function params(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', properties, required }
}

// ---- checking

const INTEGER_TEXT = /^[+-]?\d+$/

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/** The value as `type` accepts it (after GitLab's coercions), or undefined when it does not fit. */
function coerce(type: string, value: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { ok: true, value } : { ok: false }
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value }
      if (
        typeof value === 'string' &&
        INTEGER_TEXT.test(value.trim()) &&
        Number.isSafeInteger(Number(value))
      ) {
        return { ok: true, value: Number(value) }
      }
      return { ok: false }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { ok: true, value } : { ok: false }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value }
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' }
      return { ok: false }
    case 'array':
      return Array.isArray(value) ? { ok: true, value } : { ok: false }
    case 'object':
      return typeOf(value) === 'object' ? { ok: true, value } : { ok: false }
    default:
      return { ok: true, value }
  }
}

const typeWords: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  array: 'a list',
  object: 'an object',
}

function describeSchema(schema: Schema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map(describeSchema).join(' or ')
  if (Array.isArray(schema.enum))
    return `one of ${(schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
  return typeWords[String(schema.type)] ?? 'a valid value'
}

/** Checks `value` against `schema`; returns the coerced value, or throws ToolError naming `path`. */
function check(schema: Schema, value: unknown, path: string): unknown {
  if (Array.isArray(schema.anyOf)) {
    for (const option of schema.anyOf as Schema[]) {
      try {
        return check(option, value, path)
      } catch (error) {
        if (!(error instanceof ToolError)) throw error
      }
    }
    throw new ToolError(`${path} must be ${describeSchema(schema)}`)
  }
  let result = value
  if (typeof schema.type === 'string') {
    const coerced = coerce(schema.type, value)
    if (!coerced.ok) throw new ToolError(`${path} must be ${describeSchema(schema)}, not ${typeOf(value)}`)
    result = coerced.value
  }
  if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(result))
    throw new ToolError(`${path} must be ${describeSchema(schema)}`)
  if (typeof result === 'number') {
    if (typeof schema.minimum === 'number' && result < schema.minimum)
      throw new ToolError(`${path} must be at least ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && result > schema.maximum)
      throw new ToolError(`${path} must be at most ${schema.maximum}`)
  }
  if (
    typeof result === 'string' &&
    typeof schema.maxLength === 'number' &&
    result.length > schema.maxLength
  ) {
    throw new ToolError(`${path} is longer than ${schema.maxLength} characters`)
  }
  if (Array.isArray(result) && schema.items !== undefined) {
    result = result.map((item, i) => check(schema.items as Schema, item, `${path}[${i}]`))
  }
  if (schema.type === 'object' && schema.properties !== undefined)
    result = checkObject(schema, result as Record<string, unknown>, `${path}.`)
  return result
}

function checkObject(
  schema: Schema,
  value: Record<string, unknown>,
  prefix: string,
): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const out: Record<string, unknown> = {}
  for (const name of (schema.required ?? []) as string[]) {
    if (value[name] === undefined || value[name] === null) throw new ToolError(`${prefix}${name} is required`)
  }
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name]
    // A null for an optional argument is the model's way of leaving it out (pydantic's default: None).
    if (item === null || item === undefined) continue
    // Unknown arguments are dropped, as GitLab's service drops them: a handler only reads what it declares.
    if (property === undefined) continue
    out[name] = check(property, item, `${prefix}${name}`)
  }
  return out
}

/** A call's arguments checked against the tool's `parameters`: coerced, nulls and unknown names dropped. */
export function checkArguments(parameters: Schema, args: Record<string, unknown>): Record<string, unknown> {
  return checkObject(parameters, args, '')
}

// ---- typed reads of checked arguments (the schema has already settled the type)

export const arg = {
  str: (args: Record<string, unknown>, name: string): string | undefined =>
    typeof args[name] === 'string' ? args[name] : undefined,
  int: (args: Record<string, unknown>, name: string): number | undefined =>
    typeof args[name] === 'number' ? args[name] : undefined,
  bool: (args: Record<string, unknown>, name: string): boolean | undefined =>
    typeof args[name] === 'boolean' ? args[name] : undefined,
  list: <T>(args: Record<string, unknown>, name: string): T[] | undefined =>
    Array.isArray(args[name]) ? (args[name] as T[]) : undefined,
  idOrPath: (args: Record<string, unknown>, name: string): string | number | undefined => {
    const value = args[name]
    return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '') ? value : undefined
  },
}

/** The named arguments that were given, for a request body or a query (undefined ones left out). */
export function pick(args: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of names) if (args[name] !== undefined) out[name] = args[name]
  return out
}
