import { chatAccessContract } from '../contract/chat/access.contract.ts'
import { nodeTarget } from './target.ts'

chatAccessContract(nodeTarget)
