import { userTokenContract } from '../contract/user-token.contract.ts'
import { workersTarget } from './target.ts'

userTokenContract(workersTarget)
