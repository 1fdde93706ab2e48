import { chatAccessContract } from '../contract/chat/access.contract.ts'
import { classicChatAccessContract } from '../contract/chat/classic-access.contract.ts'
import { workersTarget } from './target.ts'

chatAccessContract(workersTarget)
classicChatAccessContract(workersTarget)
