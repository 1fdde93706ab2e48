import { configContract } from '../contract/config.contract.ts'
import { nodeTarget } from './target.ts'

configContract(nodeTarget)
