import { inject } from 'vitest'
import { searchContract } from '../contract/search.contract.ts'
import { nodeTarget } from './target.ts'

searchContract(nodeTarget, {
  index: { AIGW_DOCS_SEARCH__INDEX_PATH: inject('docsIndexPath') },
  enableHint: 'AIGW_DOCS_SEARCH__INDEX_PATH',
})
