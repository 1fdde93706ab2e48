import { vertexContract } from '../contract/providers/vertex.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

vertexContract(nodeProviderTarget)
