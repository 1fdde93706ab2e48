import { vertexToolsContract } from '../contract/providers/vertex-tools.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

vertexToolsContract(workersProviderTarget)
