/**
 * The settings as the gateway reads them (node-entry/main.ts: `.env` + environment, the Google
 * key file, parseConfig, the CA bundles, the Agent Platform's DUO_WORKFLOW_* settings), but without
 * stopping at the first problem: a variable the gateway would refuse is recorded and dropped, so
 * the other checks still run on the rest.
 */
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { parseAgentPlatformSettings, type AgentPlatformSettings } from '../../src/agent-platform/settings.ts'
import { ConfigError, parseConfig, type Config } from '../../src/config.ts'
import {
  environmentSources,
  loadEnvironment,
  trustCaBundles,
  withGoogleCredentials,
  type Environment,
} from '../env.ts'
import { agentPlatformTls, modelClientTls, serverTlsOptions } from '../tls.ts'

export interface CaBundle {
  /** The variables naming a bundle, with their file and how many certificates it holds. */
  files: { variable: string; file: string; certificates: number }[]
  /** NODE_EXTRA_CA_CERTS, which Node itself reads at start-up. */
  nodeExtraCaCerts: string | undefined
  /** Why the bundle could not be used (the gateway would refuse to start), or null. */
  problem: string | null
}

export interface DoctorSettings {
  env: Environment
  config: Config
  /** The Agent Platform service's settings (its port null: turned off). */
  agentPlatform: AgentPlatformSettings
  /** Problems the gateway would refuse to start with, by variable name. */
  problems: Map<string, string>
  caBundle: CaBundle
  /** The client certificate model calls present (AIGW_MTLS__*), as the gateway builds it. */
  modelClientTls: ConnectionOptions | undefined
  /** Where a variable came from: `.env` or `environment`. */
  sourceOf(name: string): string
  /** Whether a setting is present and not empty (AIGW_ names case-insensitively, as the gateway reads them). */
  isSet(name: string): boolean
}

export function loadSettings(processEnv: Environment = process.env): DoctorSettings {
  const problems = new Map<string, string>()
  let env = loadEnvironment(processEnv)
  try {
    env = withGoogleCredentials(env)
  } catch (error) {
    record(problems, error)
  }
  const config = parseTolerantly(env, problems, parseConfig)
  const urls = { gitlabUrl: config.gitlabUrl, customerPortalUrl: config.customerPortalUrl }
  const agentPlatform = parseTolerantly(env, problems, (remaining) =>
    parseAgentPlatformSettings(remaining, urls),
  )
  const caBundle = applyCaBundles(env)
  // The TLS files are read at start-up too (after the CA bundles, as main.ts does): a bad one stops the gateway.
  let clientTls: ConnectionOptions | undefined
  try {
    serverTlsOptions(config)
  } catch (error) {
    record(problems, error)
  }
  try {
    clientTls = modelClientTls(config)
  } catch (error) {
    record(problems, error)
  }
  // The gRPC server reads its certificate only when it is on.
  try {
    if (agentPlatform.port !== null) agentPlatformTls(agentPlatform)
  } catch (error) {
    record(problems, error)
  }
  const sourceOf = environmentSources(processEnv)
  return {
    env,
    config,
    agentPlatform,
    problems,
    caBundle,
    modelClientTls: clientTls,
    sourceOf,
    isSet: (name) => valueOf(env, name) !== undefined,
  }
}

/** The value of a setting, matched as the gateway matches it, or undefined when unset or empty. */
export function valueOf(env: Environment, name: string): string | undefined {
  const upper = name.toUpperCase()
  const caseInsensitive = upper.startsWith('AIGW_') || upper.startsWith('DUO_WORKFLOW_')
  for (const [key, value] of Object.entries(env)) {
    if ((caseInsensitive ? key.toUpperCase() === upper : key === name) && value?.trim()) return value
  }
  return undefined
}

/** A settings parser, dropping each variable it names as invalid until the rest parses. */
function parseTolerantly<T>(
  env: Environment,
  problems: Map<string, string>,
  parse: (env: Environment) => T,
): T {
  let remaining = { ...env }
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return parse(remaining)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      const before = Object.keys(remaining).length
      for (const variable of record(problems, error)) {
        remaining = Object.fromEntries(
          Object.entries(remaining).filter(([key]) => key.toUpperCase() !== variable.toUpperCase()),
        )
      }
      if (Object.keys(remaining).length === before) break
    }
  }
  return parse({})
}

/** Records a ConfigError's problems by the variable each names; returns those variables. */
function record(problems: Map<string, string>, error: unknown): string[] {
  if (!(error instanceof ConfigError)) throw error
  const variables: string[] = []
  for (const problem of error.problems) {
    const colon = problem.indexOf(':')
    const variable = colon > 0 ? problem.slice(0, colon) : 'configuration'
    problems.set(variable, colon > 0 ? problem.slice(colon + 1).trim() : problem)
    variables.push(variable)
  }
  return variables
}

/** Trusts SSL_CERT_FILE / REQUESTS_CA_BUNDLE exactly as the gateway does, and says what is in them. */
function applyCaBundles(env: Environment): CaBundle {
  const files: CaBundle['files'] = []
  for (const variable of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE']) {
    const file = env[variable]?.trim()
    if (!file) continue
    let certificates = 0
    try {
      certificates = readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0
    } catch {
      // trustCaBundles below says so, in the gateway's words.
    }
    files.push({ variable, file, certificates })
  }
  let problem: string | null = null
  try {
    trustCaBundles(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problem = error.problems.join('; ')
  }
  return { files, nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS || undefined, problem }
}
