import { proxyUserTokenContract } from '../contract/proxy-user-token.contract.ts'
import { nodeTarget } from './target.ts'

proxyUserTokenContract(nodeTarget)
