import { proxyUserTokenContract } from '../contract/proxy-user-token.contract.ts'
import { workersTarget } from './target.ts'

proxyUserTokenContract(workersTarget)
