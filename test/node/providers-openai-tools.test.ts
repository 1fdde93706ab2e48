import { openAiToolsContract } from '../contract/providers/openai-tools.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

openAiToolsContract(nodeProviderTarget)
