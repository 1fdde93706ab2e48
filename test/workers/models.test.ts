import { modelsContract } from '../contract/models.contract.ts'
import { workersTarget } from './target.ts'

modelsContract(workersTarget)
