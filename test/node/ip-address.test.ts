import { ipAddressCases } from '../contract/ip-address.cases.ts'

ipAddressCases('node')
