import { tokenCacheContract } from '../contract/token-cache.contract.ts'
import { nodeTarget } from './target.ts'

tokenCacheContract(nodeTarget)
