import { fetchFailureContract } from '../contract/providers/fetch-failure.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

fetchFailureContract(nodeProviderTarget)
