import { codeV2Contract } from '../contract/code/v2.contract.ts'
import { workersTarget } from './target.ts'

codeV2Contract(workersTarget)
