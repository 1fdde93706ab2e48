import { chatRequestContract } from '../contract/chat/request.contract.ts'
import { workersTarget } from './target.ts'

chatRequestContract(workersTarget)
