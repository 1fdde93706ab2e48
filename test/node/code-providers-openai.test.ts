import { codeOpenAiProvidersContract } from '../contract/code/providers-openai.contract.ts'
import { nodeTarget } from './target.ts'

codeOpenAiProvidersContract(nodeTarget)
