import { pipelineContract } from '../contract/pipeline.contract.ts'
import { nodeTarget } from './target.ts'

pipelineContract(nodeTarget)
