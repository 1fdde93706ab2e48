import { codeV3V4Contract } from '../contract/code/v3-v4.contract.ts'
import { workersTarget } from './target.ts'

codeV3V4Contract(workersTarget)
