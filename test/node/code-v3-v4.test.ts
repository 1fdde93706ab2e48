import { codeV3V4Contract } from '../contract/code/v3-v4.contract.ts'
import { nodeTarget } from './target.ts'

codeV3V4Contract(nodeTarget)
