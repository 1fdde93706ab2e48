import { openAiContract } from '../contract/providers/openai.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

openAiContract(workersProviderTarget)
