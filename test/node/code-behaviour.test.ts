import { codeBehaviourContract } from '../contract/code/behaviour.contract.ts'
import { nodeTarget } from './target.ts'

codeBehaviourContract(nodeTarget)
