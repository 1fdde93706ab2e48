import { promptInvokeContract } from '../contract/prompts/invoke.contract.ts'
import { workersTarget } from './target.ts'

promptInvokeContract(workersTarget)
