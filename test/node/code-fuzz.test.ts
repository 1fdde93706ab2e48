import { codeFuzzContract } from '../contract/code/fuzz.contract.ts'
import { nodeTarget } from './target.ts'

codeFuzzContract(nodeTarget)
