import { anthropicToolsContract } from '../contract/providers/anthropic-tools.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

anthropicToolsContract(nodeProviderTarget)
