import { modelsContract } from '../contract/models.contract.ts'
import { nodeTarget } from './target.ts'

modelsContract(nodeTarget)
