import { tokenCacheContract } from '../contract/token-cache.contract.ts'
import { workersTarget } from './target.ts'

tokenCacheContract(workersTarget)
