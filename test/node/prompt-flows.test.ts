import { promptFlowsContract } from '../contract/prompts/flows.contract.ts'
import { nodeTarget } from './target.ts'

promptFlowsContract(nodeTarget)
