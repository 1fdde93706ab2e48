import { codeCloudProvidersContract } from '../contract/code/providers-cloud.contract.ts'
import { nodeTarget } from './target.ts'

codeCloudProvidersContract(nodeTarget)
