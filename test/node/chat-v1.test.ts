import { chatV1Contract } from '../contract/chat-v1.contract.ts'
import { nodeTarget } from './target.ts'

chatV1Contract(nodeTarget)
