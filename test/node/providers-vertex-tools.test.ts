import { vertexToolsContract } from '../contract/providers/vertex-tools.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

vertexToolsContract(nodeProviderTarget)
