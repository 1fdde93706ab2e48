import { bodyContract } from '../contract/body.contract.ts'

bodyContract('node')
