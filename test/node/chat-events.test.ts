import { chatEventsContract } from '../contract/chat/events.contract.ts'
import { nodeTarget } from './target.ts'

chatEventsContract(nodeTarget)
