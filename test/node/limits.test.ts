import { limitsContract } from '../contract/limits.contract.ts'
import { nodeTarget } from './target.ts'

limitsContract(nodeTarget)
