import { chatLogCases } from '../contract/agent-platform-chat-log.cases.ts'
import { checkpointCases } from '../contract/agent-platform-checkpoint.cases.ts'

checkpointCases('node')
chatLogCases('node')
