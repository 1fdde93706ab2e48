import { anthropicContract } from '../contract/providers/anthropic.contract.ts'
import { workersProviderTarget } from './provider-target.ts'

anthropicContract(workersProviderTarget)
