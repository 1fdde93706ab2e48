/**
 * The OpenAPI 3.1 document, generated from the route table and its zod schemas, so that what the
 * docs say is what the routes validate.
 */
import * as z from 'zod/mini'

/** What the OpenAPI document says about a route, beyond its method, path and body schema. */
export interface RouteDoc {
  summary: string
  description?: string
  tags: string[]
  /**
   * The body as documented, only where it must differ from the schema that validates it (a field
   * the route accepts loosely so that it can refuse it later in GitLab's own words, or a body the
   * route forwards unread). Otherwise the document shows the route's `body`.
   */
  requestBody?: z.ZodMiniType
  responses: Record<number, { description: string; schema?: z.ZodMiniType }>
}

/** A route as the document sees it (routes/route.ts's `Route` is one): no handler, so this module needs no HTTP layer. */
export interface DocumentedRoute {
  method: string
  path: string
  /** Reachable without a token: the document lists no security and no GitLab headers for it. */
  public: boolean
  /** The schema that validates the JSON request body. */
  body?: z.ZodMiniType
  /** Absent: the route is left out of the document. */
  doc?: RouteDoc
}

export interface ApiInfo {
  title: string
  description: string
  version: string
}

export function openApiDocument(routes: readonly DocumentedRoute[], info: ApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    if (!route.doc) continue
    const doc = route.doc
    const operation: Record<string, unknown> = {
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: doc.tags,
      operationId: `${route.method.toLowerCase()}${route.path
        .replace('*', 'path')
        .replace(/\{[^}]*\}/g, '')
        .replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
      security: route.public ? [] : [{ gitlabToken: [] }],
      responses: Object.fromEntries(
        Object.entries(doc.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema
              ? { content: { 'application/json': { schema: jsonSchema(response.schema) } } }
              : {}),
          },
        ]),
      ),
    }
    const requestBody = doc.requestBody ?? route.body
    if (requestBody) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(requestBody) } },
      }
    }
    if (!route.public) {
      operation.parameters = [
        {
          name: 'X-Gitlab-Authentication-Type',
          in: 'header',
          required: true,
          schema: { type: 'string', enum: ['oidc'] },
        },
        {
          name: 'X-Gitlab-Realm',
          in: 'header',
          schema: { type: 'string' },
          description: 'Must match the token realm',
        },
        {
          name: 'X-Gitlab-Instance-Id',
          in: 'header',
          schema: { type: 'string' },
          description: 'Must match the token instance',
        },
        { name: 'X-Gitlab-Global-User-Id', in: 'header', schema: { type: 'string' } },
      ]
    }
    // Hono's trailing wildcard is OpenAPI's `{path}` (which may contain slashes); `:name` and `:name{.+}` are `{name}`.
    const pathParams: Record<string, unknown>[] = []
    const path = route.path
      .replace(/\/\*$/, () => {
        pathParams.push({
          name: 'path',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: 'The provider API path, e.g. v1/chat/completions',
        })
        return '/{path}'
      })
      .replace(/:(\w+)(\{[^}]*\})?/g, (_m, name: string, pattern: string | undefined) => {
        pathParams.push({
          name,
          in: 'path',
          required: true,
          schema: { type: 'string' },
          ...(pattern ? { description: 'May contain `/` (also percent-encoded)' } : {}),
        })
        return `{${name}}`
      })
    if (pathParams.length > 0)
      operation.parameters = [...pathParams, ...((operation.parameters as unknown[] | undefined) ?? [])]
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: {
        gitlabToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'RS256 token from the GitLab instance, CustomersDot, or /v1/code/user_access_token.',
        },
      },
    },
  }
}

function jsonSchema(schema: z.ZodMiniType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'any',
  }) as Record<string, unknown>
  return rest
}
