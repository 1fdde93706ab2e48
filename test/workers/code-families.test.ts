import { codeFamiliesContract } from '../contract/code/families.contract.ts'
import { workersTarget } from './target.ts'

codeFamiliesContract(workersTarget)
