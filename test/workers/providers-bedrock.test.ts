import { bedrockContract } from '../contract/providers/bedrock.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

bedrockContract(workersProviderTarget)
