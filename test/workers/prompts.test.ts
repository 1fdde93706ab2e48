import { promptCases } from '../contract/prompts.cases.ts'

promptCases('workerd')
