import { openAiToolsContract } from '../contract/providers/openai-tools.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

openAiToolsContract(workersProviderTarget)
