/** The probes' contract: no token, never in the way of a model call. */
import * as z from 'zod/mini'
import type { RouteSpec } from '../route.ts'

const healthSchema = z.object({ status: z.literal('ok') })
const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  reasons: z.optional(z.array(z.string())),
  hint: z.optional(z.string()),
  auth: z.optional(z.unknown()),
})

export const MONITORING = {
  healthz: {
    method: 'GET',
    path: '/monitoring/healthz',
    public: true,
    doc: {
      summary: 'Liveness probe',
      description: 'Answers as soon as the server accepts connections; never touches the network.',
      tags: ['monitoring'],
      responses: { 200: { description: 'The process is alive', schema: healthSchema } },
    },
  },
  ready: {
    method: 'GET',
    path: '/monitoring/ready',
    public: true,
    doc: {
      summary: 'Readiness probe',
      description: 'Ready when the GitLab instance signing keys are loaded (or authentication is bypassed).',
      tags: ['monitoring'],
      responses: {
        200: { description: 'Ready to authenticate requests', schema: readySchema },
        503: { description: 'Not ready; `reasons` says why', schema: readySchema },
      },
    },
  },
} as const satisfies Record<string, RouteSpec>
