import { codePostProcessingCases } from '../contract/code-post-processing.cases.ts'

codePostProcessingCases('workerd')
