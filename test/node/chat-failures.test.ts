import { chatFailuresContract } from '../contract/chat/failures.contract.ts'
import { nodeTarget } from './target.ts'

chatFailuresContract(nodeTarget)
