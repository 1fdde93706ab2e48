import { vertexClaudeToolsContract } from '../contract/providers/vertex-claude-tools.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

vertexClaudeToolsContract(nodeProviderTarget)
