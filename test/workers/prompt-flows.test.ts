import { promptFlowsContract } from '../contract/prompts/flows.contract.ts'
import { workersTarget } from './target.ts'

promptFlowsContract(workersTarget)
