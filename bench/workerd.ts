/**
 * The built Worker in workerd, run as `workerd serve` with a generated config rather than through
 * Miniflare: one process to measure (Miniflare adds its Node process, whose loopback server and
 * log forwarding would take CPU from the same 2 cores), the worker's console output goes straight
 * to a file as the Node gateway's stdout does, and nothing sits in front of the Worker's fetch
 * handler (Miniflare routes every request through its own entry worker first).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { spawnChild, type Child } from './processes.ts'

export interface Compatibility {
  date: string
  flags: string[]
}

/** compatibility_date and compatibility_flags from wrangler.toml (the Worker's own settings). */
export function readCompatibility(wranglerToml: string): Compatibility {
  const text = readFileSync(wranglerToml, 'utf8')
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1]
  if (!date) throw new Error(`no compatibility_date in ${wranglerToml}`)
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1] ?? ''
  return { date, flags: [...flags.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? '') }
}

export interface WorkerdOptions {
  /** The bundle `wrangler deploy --dry-run --outdir` wrote (main.js, after worker-entry/main.ts). */
  scriptPath: string
  port: number
  compatibility: Compatibility
  /** Vars, as text bindings (the Worker reads AIGW_* settings from env). */
  bindings: Readonly<Record<string, string>>
  logFile: string
}

/** The workerd binary that wrangler and Miniflare run (npm package `workerd`). */
export function workerdBinary(): string {
  const module = createRequire(import.meta.url)('workerd') as { default?: string } | string
  const path = typeof module === 'string' ? module : module.default
  if (!path) throw new Error('the workerd package does not name its binary')
  return path
}

export function startWorkerd(options: WorkerdOptions): Child {
  const config = join(dirname(options.scriptPath), `workerd-${options.port}.capnp`)
  writeFileSync(config, workerdConfig(options))
  return spawnChild('aigw-edge workerd', workerdBinary(), ['serve', config], { logFile: options.logFile })
}

const text = (value: string) => JSON.stringify(value)

export function workerdConfig(options: WorkerdOptions): string {
  const bindings = Object.entries(options.bindings).map(
    ([name, value]) => `(name = ${text(name)}, text = ${text(value)})`,
  )
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .gateway),
    # The Worker's fetch() to the mock and the fake issuer on loopback.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = ${text(`127.0.0.1:${options.port}`)}, http = (), service = "main")],
);
const gateway :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed ${text(basename(options.scriptPath))})],
  compatibilityDate = ${text(options.compatibility.date)},
  compatibilityFlags = [${options.compatibility.flags.map(text).join(', ')}],
  bindings = [${bindings.join(', ')}],
  globalOutbound = "internet",
);
`
}
