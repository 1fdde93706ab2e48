import { bedrockContract } from '../contract/providers/bedrock.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

bedrockContract(nodeProviderTarget)
