import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFINITION_FILES } from '../../src/prompts/definitions/index.ts'
import { promptCases } from '../contract/prompts.cases.ts'
import { promptDefinitionCases } from '../contract/prompt-definitions.cases.ts'

promptCases('node')
promptDefinitionCases('node')

describe('prompt definition files', () => {
  it('are all listed in src/prompts/definitions/index.ts, and each says where it lives', () => {
    const root = join(import.meta.dirname, '../../src/prompts/definitions')
    const onDisk = (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.json'))
      .map((f) => relative(root, join(root, f)))
      .sort()
    const listed = DEFINITION_FILES.map((file) => {
      const { prompt_id, family, version } = file as Record<string, string>
      return `${prompt_id}/${family}/${version}.json`
    }).sort()
    expect(listed).toEqual(onDisk)
  })
})
