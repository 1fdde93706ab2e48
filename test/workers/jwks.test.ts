import { jwksContract } from '../contract/jwks.contract.ts'
import { workersTarget } from './target.ts'

jwksContract(workersTarget)
