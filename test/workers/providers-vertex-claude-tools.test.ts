import { vertexClaudeToolsContract } from '../contract/providers/vertex-claude-tools.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

vertexClaudeToolsContract(workersProviderTarget)
