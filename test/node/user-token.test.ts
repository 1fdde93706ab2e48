import { userTokenContract } from '../contract/user-token.contract.ts'
import { nodeTarget } from './target.ts'

userTokenContract(nodeTarget)
