/**
 * `POST /api/graphql`: a query is recognised by its root fields. Handlers added with `onGraphql`
 * (work items, mutations, ...) are asked first, newest first; everything else runs against the
 * schema slice in graphql-schema.ts. GraphQL failures answer 200 with an `errors` member, as GitLab does.
 */
import { graphql, GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql'
import { reply, type RailsResponse } from './grape.ts'
import { isPlainObject } from './json.ts'
import { rootValue, schema, type GraphqlContext } from './graphql-schema.ts'

export interface GraphqlRequest {
  query: string
  variables: Record<string, unknown>
  operationName: string | undefined
  operation: 'query' | 'mutation' | 'subscription'
  /** Names (not aliases) of the operation's top-level fields, e.g. `['duoWorkflowWorkflows']`. */
  rootFields: string[]
  document: DocumentNode
}

export interface GraphqlResult {
  data?: unknown
  errors?: { message: string; [key: string]: unknown }[]
}

/** A root field name, or a predicate over the parsed request. */
export type GraphqlMatcher = string | ((request: GraphqlRequest) => boolean)
export type GraphqlHandler = (request: GraphqlRequest) => GraphqlResult | Promise<GraphqlResult>

const errorsReply = (...messages: string[]) =>
  reply(200, { errors: messages.map((message) => ({ message })) })

function selectOperation(
  document: DocumentNode,
  operationName: string | undefined,
): OperationDefinitionNode | string {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )
  if (operationName !== undefined)
    return (
      operations.find((o) => o.name?.value === operationName) ?? `Unknown operation named "${operationName}".`
    )
  if (operations.length === 1 && operations[0]) return operations[0]
  return operations.length === 0
    ? 'Must provide an operation.'
    : 'Must provide operation name if query contains multiple operations.'
}

export function createGraphqlEndpoint(context: GraphqlContext) {
  const handlers: { matches: (request: GraphqlRequest) => boolean; handler: GraphqlHandler }[] = []

  return {
    on(matcher: GraphqlMatcher, handler: GraphqlHandler): void {
      const matches =
        typeof matcher === 'string'
          ? (request: GraphqlRequest) => request.rootFields.includes(matcher)
          : matcher
      handlers.unshift({ matches, handler })
    },

    async handle(body: unknown): Promise<RailsResponse> {
      if (!isPlainObject(body) || typeof body.query !== 'string' || body.query.trim() === '')
        return errorsReply('No query string was present')
      let variables: unknown = body.variables ?? {}
      if (typeof variables === 'string') {
        try {
          variables = variables.trim() === '' ? {} : JSON.parse(variables)
        } catch {
          return errorsReply(`Unexpected end of input`)
        }
      }
      if (!isPlainObject(variables)) return errorsReply('Variables must be an object')
      const operationName =
        typeof body.operationName === 'string' && body.operationName !== '' ? body.operationName : undefined

      let document: DocumentNode
      try {
        document = parse(body.query)
      } catch (error) {
        if (error instanceof GraphQLError) return reply(200, { errors: [error] })
        throw error
      }
      const operation = selectOperation(document, operationName)
      if (typeof operation === 'string') return errorsReply(operation)

      const request: GraphqlRequest = {
        query: body.query,
        variables,
        operationName,
        operation: operation.operation,
        rootFields: operation.selectionSet.selections.flatMap((s) =>
          s.kind === Kind.FIELD ? [s.name.value] : [],
        ),
        document,
      }
      const extension = handlers.find((h) => h.matches(request))
      if (extension) return reply(200, await extension.handler(request))

      const result = await graphql({
        schema,
        source: body.query,
        rootValue,
        contextValue: context,
        variableValues: variables,
        operationName,
      })
      return reply(200, result)
    },
  }
}
