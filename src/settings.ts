/**
 * The kinds of setting `config.ts` is made of: each parses one trimmed environment value (undefined
 * when unset, '' when set to nothing) and reports a problem by message, never by value: values
 * may be secrets.
 */
import * as z from 'zod/mini'

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical'

// pydantic's boolean words (GitLab's own tests set AIGW_AUTH__BYPASS_EXTERNAL=yes)
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y'])
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', 'n'])
const LOG_LEVELS: Record<string, LogLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  critical: 'critical',
  fatal: 'critical',
}

type Issues = { issues: { push(issue: { code: 'custom'; message: string; input: unknown }): void } }

class SettingProblem extends Error {}

/**
 * One setting. `parse` gets the trimmed value: undefined when unset, '' when set to nothing (which
 * means "default" for scalars and "off" for optional features). Failures become zod issues.
 */
function setting<T>(parse: (value: string | undefined, fail: (message: string) => never) => T) {
  const fail = (message: string): never => {
    throw new SettingProblem(message)
  }
  return z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, ctx: Issues) => {
      try {
        return parse(raw?.trim(), fail)
      } catch (error) {
        if (!(error instanceof SettingProblem)) throw error
        // input stays undefined: values may be secrets and must not reach logs or error bodies
        ctx.issues.push({ code: 'custom', message: error.message, input: undefined })
        return z.NEVER
      }
    }),
  )
}

export const flag = (fallback: boolean) =>
  setting((value, fail) => {
    if (!value) return fallback
    const word = value.toLowerCase()
    if (TRUE_WORDS.has(word)) return true
    if (FALSE_WORDS.has(word)) return false
    return fail('expected a boolean (true/false, yes/no, on/off, 1/0)')
  })

export const text = (fallback: string) => setting((value) => value || fallback)

export const httpUrl = (fallback: string) => setting((value, fail) => parseHttpUrl(value || fallback, fail))

/** An optional feature's URL: unset means the default, an empty string turns the feature off. */
export const optionalHttpUrl = (fallback: string) =>
  setting((value, fail) => (value === '' ? null : parseHttpUrl(value ?? fallback, fail)))

/** A URL that is off unless set. */
export const maybeHttpUrl = setting((value, fail) => (value ? parseHttpUrl(value, fail) : null))

/** A route path such as `/docs`: unset means the default, empty (or `none`) turns the route off. */
export const optionalRoutePath = (fallback: string) =>
  setting((value, fail) => {
    if (value === undefined) return fallback
    if (value === '' || value.toLowerCase() === 'none') return null
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value) || value.includes('//')) {
      return fail('expected a path such as /docs')
    }
    return value.length > 1 ? value.replace(/\/$/, '') : value
  })

export const integer = (fallback: number, min: number, max: number) =>
  setting((value, fail) => {
    if (!value) return fallback
    const n = Number(value)
    if (!/^\d+$/.test(value) || n < min || n > max)
      return fail(`expected a whole number from ${min} to ${max}`)
    return n
  })

/** Seconds as a decimal number (> 0), returned in milliseconds. */
export const seconds = (fallback: number, max: number) =>
  setting((value, fail) => {
    if (!value) return fallback * 1000
    const n = Number(value)
    if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > max)
      return fail(`expected a number of seconds above 0, at most ${max}`)
    return Math.round(n * 1000)
  })

/** A comma-separated list, entries trimmed, empty entries dropped. */
export const list = setting((value) =>
  value
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [],
)

/** A credential: undefined when unset, '' when set to nothing. Never validated, never echoed. */
export const secret = setting((value) => value)

/** Host names (`host`, `host:port`, `*.domain`) as typed by an operator, lower-cased. */
export const hostList = setting((value, fail) => {
  if (!value) return null
  const hosts = value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean)
  for (const host of hosts) {
    if (!/^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host)) {
      return fail(
        'expected comma-separated host names such as vllm.internal, models.example.com:8000 or *.internal',
      )
    }
  }
  return hosts.length ? hosts : null
})

/** A JSON object of HTTP header names to string values (`{"x-trace-id": "gitlab"}`); null when unset. */
export const headerMap = setting((value, fail) => {
  if (!value) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return fail('expected a JSON object of header names and string values, such as {"x-trace-id": "gitlab"}')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return fail('expected a JSON object of header names and string values')
  const headers: Record<string, string> = {}
  for (const [name, headerValue] of Object.entries(parsed)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return fail('expected valid HTTP header names')
    if (typeof headerValue !== 'string' || /[\r\n\0]/.test(headerValue))
      return fail(`expected a string value without line breaks for header ${name}`)
    headers[name.toLowerCase()] = headerValue
  }
  return headers
})

export const logLevel = setting((value, fail): LogLevel => {
  if (!value) return 'info'
  return LOG_LEVELS[value.toLowerCase()] ?? fail('expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL')
})

/**
 * An RSA private key in PEM form. Accepts the literal `\n` escapes GitLab's example.env uses. The
 * structure is checked here; the key itself is imported (and checked again) when the app starts.
 */
export const pemPrivateKey = setting((value, fail) => {
  if (!value) return null
  const pem = value.replace(/\\n/g, '\n')
  const match = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]+?)-----END (RSA )?PRIVATE KEY-----/.exec(pem)
  if (!match || match[1] !== match[3] || !/^[A-Za-z0-9+/=\s]+$/.test(match[2] ?? '')) {
    return fail('expected an RSA private key in PEM format (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)')
  }
  return match[0]
})

function parseHttpUrl(value: string, fail: (message: string) => never): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail('expected an http(s) URL such as https://gitlab.example.com')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('expected an http(s) URL')
  if (url.username || url.password) return fail('credentials in the URL are not supported')
  if (url.search || url.hash) return fail('expected a URL without query string or fragment')
  return url.href.replace(/\/+$/, '')
}
