import { codeCloudProvidersContract } from '../contract/code/providers-cloud.contract.ts'
import { workersTarget } from './target.ts'

codeCloudProvidersContract(workersTarget)
