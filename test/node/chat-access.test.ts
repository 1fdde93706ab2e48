import { chatAccessContract } from '../contract/chat/access.contract.ts'
import { classicChatAccessContract } from '../contract/chat/classic-access.contract.ts'
import { nodeTarget } from './target.ts'

chatAccessContract(nodeTarget)
classicChatAccessContract(nodeTarget)
