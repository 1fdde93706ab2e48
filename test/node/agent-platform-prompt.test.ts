import { agentHistoryCases } from '../contract/agent-platform/history.cases.ts'
import { agentPromptCases } from '../contract/agent-platform/prompt.cases.ts'

agentPromptCases('node')
agentHistoryCases('node')
