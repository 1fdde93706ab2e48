import { scopesContract } from '../contract/scopes.contract.ts'

scopesContract('node')
