import { anthropicContract } from '../contract/providers/anthropic.contract.ts'
import { nodeProviderTarget } from './provider-target.ts'

anthropicContract(nodeProviderTarget)
