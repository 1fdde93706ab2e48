import { codeFuzzContract } from '../contract/code/fuzz.contract.ts'
import { workersTarget } from './target.ts'

codeFuzzContract(workersTarget)
