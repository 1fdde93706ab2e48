import { embeddingsContract } from '../contract/embeddings.contract.ts'
import { nodeTarget } from './target.ts'

embeddingsContract(nodeTarget)
