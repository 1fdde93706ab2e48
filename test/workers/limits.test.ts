import { limitsContract } from '../contract/limits.contract.ts'
import { workersTarget } from './target.ts'

limitsContract(workersTarget)
