import { chatFailuresContract } from '../contract/chat/failures.contract.ts'
import { workersTarget } from './target.ts'

chatFailuresContract(workersTarget)
