import { promptCases } from '../contract/prompts.cases.ts'
import { promptDefinitionCases } from '../contract/prompt-definitions.cases.ts'

promptCases('workerd')
promptDefinitionCases('workerd')
