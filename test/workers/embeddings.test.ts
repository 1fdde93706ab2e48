import { embeddingsContract } from '../contract/embeddings.contract.ts'
import { workersTarget } from './target.ts'

embeddingsContract(workersTarget)
