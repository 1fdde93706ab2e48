import { proxyContract } from '../contract/proxy.contract.ts'
import { nodeTarget } from './target.ts'

proxyContract(nodeTarget)
