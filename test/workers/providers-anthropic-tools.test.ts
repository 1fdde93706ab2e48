import { anthropicToolsContract } from '../contract/providers/anthropic-tools.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

anthropicToolsContract(workersProviderTarget)
