import { languageCases } from '../contract/languages.cases.ts'

languageCases('workerd')
