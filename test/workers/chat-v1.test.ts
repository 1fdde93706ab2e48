import { chatV1Contract } from '../contract/chat-v1.contract.ts'
import { workersTarget } from './target.ts'

chatV1Contract(workersTarget)
