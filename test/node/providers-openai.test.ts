import { openAiContract } from '../contract/providers/openai.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

openAiContract(nodeProviderTarget)
