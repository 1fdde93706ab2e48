import { railsVersionsContract } from '../contract/prompts/rails-versions.contract.ts'
import { nodeTarget } from './target.ts'

railsVersionsContract(nodeTarget)
