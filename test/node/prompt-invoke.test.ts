import { promptInvokeContract } from '../contract/prompts/invoke.contract.ts'
import { nodeTarget } from './target.ts'

promptInvokeContract(nodeTarget)
