import { authContract } from '../contract/auth.contract.ts'
import { nodeTarget } from './target.ts'

authContract(nodeTarget)
