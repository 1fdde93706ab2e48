/**
 * The doctor's command line. The model endpoint may also come from the environment (handy in a
 * container: `docker run --env-file ... <image> node dist/node/doctor.mjs`). The option names
 * follow GitLab's `poetry run troubleshoot` (`--model-endpoint`, `--model-identifier`, `--api-key`).
 */
import { parseArgs } from 'node:util'
import type { Environment } from '../env.ts'
import { parseAddress } from './grpc-health.ts'

export interface DoctorOptions {
  json: boolean
  help: boolean
  model: ModelOptions | null
  agentPlatform: AgentPlatformOptions
}

export interface AgentPlatformOptions {
  /** host:port of the Agent Platform service to check; unset: the configured port on this machine. */
  url?: string
}

export interface ModelOptions {
  endpoint: string
  identifier: string | undefined
  /** Never printed; only sent to the model endpoint. */
  apiKey: string | undefined
}

export const USAGE = `Usage: npm run doctor -- [options]
       node dist/node/doctor.mjs [options]

Checks the gateway's setup from its side, with the settings the gateway reads (the environment
and ./.env), and says for each problem how to fix it. Exits 0 when nothing failed, 1 otherwise.

Options:
  --json                        print a machine-readable report
  --model-endpoint URL          also check this OpenAI-compatible model endpoint (env DOCTOR_MODEL_ENDPOINT)
  --model-identifier ID         the model to stream from, as in GitLab (custom_openai/<model>) (env DOCTOR_MODEL_IDENTIFIER)
  --model-api-key KEY           the model endpoint's API key; never printed (alias --api-key, env DOCTOR_MODEL_API_KEY,
                                which keeps it out of the process list and shell history)
  --agent-platform-url HOST:PORT
                                check the Agent Platform service (gRPC) there, as GitLab's "Local URL for the GitLab Duo
                                Agent Platform service" names it (env DOCTOR_AGENT_PLATFORM_URL); default: the
                                configured DUO_WORKFLOW_PORT on this machine
  -h, --help                    show this text
`

export class UsageError extends Error {}

export function parseDoctorArgs(argv: readonly string[], env: Environment): DoctorOptions {
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'model-endpoint': { type: 'string' },
        'model-identifier': { type: 'string' },
        'model-api-key': { type: 'string' },
        'api-key': { type: 'string' },
        'agent-platform-url': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const endpoint = (values['model-endpoint'] ?? env.DOCTOR_MODEL_ENDPOINT)?.trim()
  const identifier = (values['model-identifier'] ?? env.DOCTOR_MODEL_IDENTIFIER)?.trim() || undefined
  const apiKey = values['model-api-key'] ?? values['api-key'] ?? env.DOCTOR_MODEL_API_KEY
  if (!endpoint && identifier) throw new UsageError('--model-identifier needs --model-endpoint')
  const agentPlatformUrl =
    (values['agent-platform-url'] ?? env.DOCTOR_AGENT_PLATFORM_URL)?.trim() || undefined
  if (agentPlatformUrl) {
    try {
      parseAddress(agentPlatformUrl)
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
  }
  return {
    json: values.json ?? false,
    help: values.help ?? false,
    model: endpoint ? { endpoint, identifier, apiKey: apiKey || undefined } : null,
    agentPlatform: agentPlatformUrl ? { url: agentPlatformUrl } : {},
  }
}
