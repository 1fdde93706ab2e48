import { railsHeadersContract } from '../contract/rails-headers.contract.ts'
import { workersTarget } from './target.ts'

railsHeadersContract(workersTarget)
