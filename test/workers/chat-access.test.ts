import { chatAccessContract } from '../contract/chat/access.contract.ts'
import { workersTarget } from './target.ts'

chatAccessContract(workersTarget)
