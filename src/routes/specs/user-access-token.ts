/** The user access token route's contract (direct access for IDEs). */
import * as z from 'zod/mini'
import type { RouteSpec } from '../route.ts'
import { commonErrors, detailError } from './shared-responses.ts'

const tokenSchema = z.object({ token: z.string(), expires_at: z.int() })

export const USER_ACCESS_TOKEN = {
  create: {
    method: 'POST',
    path: '/v1/code/user_access_token',
    public: false,
    doc: {
      summary: 'Create a user access token',
      description:
        'Exchanges the GitLab instance token for a one-hour token that IDEs use to call the gateway directly. ' +
        'Needs the `complete_code` or `ai_gateway_model_provider_proxy` unit primitive.',
      tags: ['code'],
      responses: {
        200: { description: 'The token and its expiry (Unix seconds)', schema: tokenSchema },
        ...commonErrors,
        500: { description: 'No usable signing key (`Failed to generate JWT`)', schema: detailError },
      },
    },
  },
} as const satisfies Record<string, RouteSpec>
