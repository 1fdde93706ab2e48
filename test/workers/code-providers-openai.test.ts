import { codeOpenAiProvidersContract } from '../contract/code/providers-openai.contract.ts'
import { workersTarget } from './target.ts'

codeOpenAiProvidersContract(workersTarget)
