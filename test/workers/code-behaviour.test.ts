import { codeBehaviourContract } from '../contract/code/behaviour.contract.ts'
import { workersTarget } from './target.ts'

codeBehaviourContract(workersTarget)
