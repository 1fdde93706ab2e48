import { authContract } from '../contract/auth.contract.ts'
import { workersTarget } from './target.ts'

authContract(workersTarget)
