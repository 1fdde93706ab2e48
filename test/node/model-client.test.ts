import { modelClientContract } from '../contract/providers/client.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

modelClientContract(nodeProviderTarget)
