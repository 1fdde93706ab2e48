import { modelClientContract } from '../contract/providers/client.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

modelClientContract(workersProviderTarget)
