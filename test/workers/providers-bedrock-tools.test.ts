import { bedrockToolsContract } from '../contract/providers/bedrock-tools.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

bedrockToolsContract(workersProviderTarget)
