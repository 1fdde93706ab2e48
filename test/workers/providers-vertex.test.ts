import { vertexContract } from '../contract/providers/vertex.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

vertexContract(workersProviderTarget)
