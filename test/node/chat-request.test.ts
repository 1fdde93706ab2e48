import { chatRequestContract } from '../contract/chat/request.contract.ts'
import { nodeTarget } from './target.ts'

chatRequestContract(nodeTarget)
