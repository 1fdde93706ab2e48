import { codeV2Contract } from '../contract/code/v2.contract.ts'
import { nodeTarget } from './target.ts'

codeV2Contract(nodeTarget)
