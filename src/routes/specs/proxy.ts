/** The provider proxy routes' contract (spec platform §5): one route per upstream. */
import * as z from 'zod/mini'
import type { ProxyUpstream } from '../../proxy/upstreams.ts'
import type { RouteSpec } from '../route.ts'
import { commonErrors, detailError } from './shared-responses.ts'

const PROVIDER_NAMES: Record<ProxyUpstream['name'], string> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  'vertex-ai': 'Vertex AI',
}

export function proxySpec(upstream: ProxyUpstream): RouteSpec {
  return {
    method: 'POST',
    path: `/v1/proxy/${upstream.name}/*`,
    public: false,
    doc: {
      summary: `Proxy to ${PROVIDER_NAMES[upstream.name]}`,
      description:
        "Forwards the JSON body to the provider with the gateway's credentials and streams the answer back. " +
        'Needs `X-Gitlab-Unit-Primitive` naming a primitive the token grants and the proxy serves.',
      tags: ['proxy'],
      // The body is forwarded as sent, never parsed into a schema (only its `model` is read).
      requestBody: z.record(z.string(), z.unknown()),
      responses: {
        200: { description: "The provider's answer, relayed (SSE when the provider streams)" },
        400: {
          description: 'Missing or unknown unit primitive, invalid JSON, unsupported model, no API key',
          schema: detailError,
        },
        ...commonErrors,
        402: {
          description: 'Proxy endpoints are not enabled for this instance or namespace',
          schema: detailError,
        },
        404: { description: 'The provider path is not one the proxy forwards', schema: detailError },
        502: { description: 'The provider could not be reached', schema: detailError },
        504: { description: 'The provider did not answer in time', schema: detailError },
      },
    },
  }
}
