import { jwksContract } from '../contract/jwks.contract.ts'
import { nodeTarget } from './target.ts'

jwksContract(nodeTarget)
