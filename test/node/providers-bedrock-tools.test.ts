import { bedrockToolsContract } from '../contract/providers/bedrock-tools.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

bedrockToolsContract(nodeProviderTarget)
