import { proxyContract } from '../contract/proxy.contract.ts'
import { workersTarget } from './target.ts'

proxyContract(workersTarget)
