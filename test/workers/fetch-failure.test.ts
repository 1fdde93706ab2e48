import { fetchFailureContract } from '../contract/providers/fetch-failure.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

fetchFailureContract(workersProviderTarget)
