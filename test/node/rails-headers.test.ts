import { railsHeadersContract } from '../contract/rails-headers.contract.ts'
import { nodeTarget } from './target.ts'

railsHeadersContract(nodeTarget)
