import { pipelineContract } from '../contract/pipeline.contract.ts'
import { workersTarget } from './target.ts'

pipelineContract(workersTarget)
