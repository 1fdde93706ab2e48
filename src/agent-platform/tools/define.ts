/**
 * One tool row = data plus a handler. `defineTool` puts the same frame around every handler: the
 * arguments checked against the row's own schema first, and every expected failure (bad
 * arguments, an HTTP error status, a refused path) handed back as a tool error the model reads,
 * never thrown at the engine. Only a cancelled session escapes: the engine must see its abort.
 */
import { checkArguments, ToolError, type Schema } from './args.ts'
import type { AgentTool, Privilege, ToolContext, ToolOutcome } from './tool.ts'

export interface ToolRow {
  name: string
  description: string
  parameters: Schema
  privilege: Privilege
  describe(args: Record<string, unknown>): string
  /** Returns the model's text (a success) or a whole outcome; throws ToolError for a failure the model should read. */
  run(args: Record<string, unknown>, context: ToolContext): Promise<string | ToolOutcome>
  offered?(context: Pick<ToolContext, 'capabilities'>): boolean
  /** Pass the arguments on unchecked (MCP tools: their server owns the schema and checks it). */
  uncheckedArguments?: boolean
}

export function failure(message: string): ToolOutcome {
  return { content: message, error: true }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function defineTool(row: ToolRow): AgentTool {
  const tool: AgentTool = {
    name: row.name,
    description: row.description,
    parameters: row.parameters,
    privilege: row.privilege,
    describe: (args) => {
      try {
        return row.describe(args)
      } catch {
        return `Using ${row.name}`
      }
    },
    async run(args, context) {
      let checked: Record<string, unknown>
      try {
        checked = row.uncheckedArguments ? { ...(args ?? {}) } : checkArguments(row.parameters, args ?? {})
      } catch (error) {
        if (error instanceof ToolError) return failure(`Invalid arguments for ${row.name}: ${error.message}`)
        throw error
      }
      try {
        const result = await row.run(checked, context)
        return typeof result === 'string' ? { content: result } : result
      } catch (error) {
        if (context.signal.aborted) throw error
        if (error instanceof ToolError) return failure(error.message)
        // GraphQL errors and transport failures reach here as plain errors; their message is
        // ours or GitLab's (never a stack), and the model can work around a failed tool.
        return failure(`${row.name} failed: ${messageOf(error)}`)
      }
    },
  }
  if (row.offered) tool.offered = row.offered
  return tool
}
