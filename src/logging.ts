/**
 * Structured logging: one line per event, JSON by default (GitLab's `AIGW_LOGGING__FORMAT_JSON`),
 * with GitLab's field names. Where the line goes is the runtime's business (`LogSink`).
 *
 * Callers must never pass tokens, keys or request bodies; the access log and auth code only pass
 * claims that identify, never credentials.
 */
import type { LogLevel } from './config.ts'

export type LogFields = Record<string, unknown>
export type LogSink = (line: string, level: LogLevel) => void

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warning(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  critical(message: string, fields?: LogFields): void
  /** A logger whose lines carry this name in `logger` (e.g. `api.access`, `auth`). */
  child(name: string): Logger
}

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 }

export interface LoggerOptions {
  level: LogLevel
  json: boolean
  sink: LogSink
  now?: () => number
}

export function createLogger(options: LoggerOptions, name = 'aigw'): Logger {
  const threshold = SEVERITY[options.level]
  const now = options.now ?? Date.now
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (SEVERITY[level] < threshold) return
    const timestamp = new Date(now()).toISOString()
    const line = options.json
      ? safeJson({ timestamp, level, logger: name, message, ...fields })
      : `${timestamp} [${level}] ${name}: ${message}${formatFields(fields)}`
    options.sink(line, level)
  }
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warning: (message, fields) => emit('warning', message, fields),
    error: (message, fields) => emit('error', message, fields),
    critical: (message, fields) => emit('critical', message, fields),
    child: (childName) => createLogger(options, childName),
  }
}

function formatFields(fields: LogFields): string {
  let out = ''
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue
    out += ` ${key}=${typeof value === 'string' ? JSON.stringify(value) : safeJson(value)}`
  }
  return out
}

function safeJson(value: unknown): string {
  try {
    // Without a replacer first: one is several times slower, and a line per request adds up.
    return JSON.stringify(value)
  } catch {
    try {
      return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
    } catch {
      return '"[unserialisable]"'
    }
  }
}

/** The fields of an error worth logging: its class, message and stack. Never shown to clients. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) {
    return { exception_class: error.name, exception_message: error.message, exception_backtrace: error.stack }
  }
  return { exception_message: String(error) }
}
