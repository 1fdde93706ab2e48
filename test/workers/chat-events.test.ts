import { chatEventsContract } from '../contract/chat/events.contract.ts'
import { workersTarget } from './target.ts'

chatEventsContract(workersTarget)
