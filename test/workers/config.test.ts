import { configContract } from '../contract/config.contract.ts'
import { workersTarget } from './target.ts'

configContract(workersTarget)
