import { railsVersionsContract } from '../contract/prompts/rails-versions.contract.ts'
import { workersTarget } from './target.ts'

railsVersionsContract(workersTarget)
