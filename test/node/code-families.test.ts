import { codeFamiliesContract } from '../contract/code/families.contract.ts'
import { nodeTarget } from './target.ts'

codeFamiliesContract(nodeTarget)
