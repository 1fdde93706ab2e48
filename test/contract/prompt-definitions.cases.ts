/**
 * The prompt definitions a self-managed GitLab asks for by id (spec features §6; gitlab-client
 * §3.5, §3.6): every id resolves for every model family and every version constraint a 17.x or
 * 18.x Rails sends, and renders from the `inputs` Rails sends with nothing missing and no
 * template syntax left over. Pure data checks, run on both runtimes.
 */
import { describe, expect, it } from 'vitest'
import { builtInPrompts } from '../../src/prompts/built-in.ts'
import { FAMILY_NAMES, findFamily } from '../../src/models/families.ts'
import { missingVariables, renderMessages, requiredVariables } from '../../src/prompts/render.ts'

interface Case {
  /** Family directories besides `base` (spec §6 brackets). */
  dirs: string[]
  unitPrimitive: string
  /** Constraints Rails sends besides none and `^1.0.0`; an exact version must come back as itself. */
  constraints?: string[]
  /** What Rails puts in `inputs` (its variable names, realistic values). */
  inputs: Record<string, unknown>
}

// §3.5: the prompt options of Rails' slash-command tools (SlashCommandTool#prompt_options).
const slashInputs = {
  input: 'Explain the code user selected inside <selected_code></selected_code> tags.',
  selected_text: 'def total(items)\n  items.sum(&:price)\nend',
  file_content:
    'Here is the content of the file user is working with:\n<file>\n  class Cart\n  end\n</file>\n',
  language_info: 'The code is written in Ruby and stored as cart.rb',
  file_content_reuse:
    'The new code should fit into the existing file, consider reuse of existing code in the file when generating new code.',
  libraries: ['rails (7.1.0)', 'rspec (3.13.0)'],
}
// Identifier tools: the ReAct executor's tool options.
const readerInputs = {
  input: 'Summarize https://gitlab.example.com/group/project/-/issues/7',
  suggestions: '',
}

export const CASES: Record<string, Case> = {
  'chat/explain_code': { dirs: [], unitPrimitive: 'explain_code', inputs: slashInputs },
  'chat/write_tests': {
    dirs: ['codestral', 'llama3', 'mistral'],
    unitPrimitive: 'write_tests',
    inputs: slashInputs,
  },
  'chat/refactor_code': {
    dirs: ['codestral', 'llama3', 'mistral'],
    unitPrimitive: 'refactor_code',
    inputs: slashInputs,
  },
  'chat/fix_code': { dirs: ['codestral', 'llama3'], unitPrimitive: 'fix_code', inputs: slashInputs },
  'chat/troubleshoot_job': {
    dirs: [],
    unitPrimitive: 'troubleshoot_job',
    inputs: {
      input: 'Troubleshoot the job log.',
      selected_text:
        '$ bundle exec rspec\nrspec failed: 3 examples, 1 failure\nERROR: Job failed: exit code 1',
      language_info: 'The repository code is written in Ruby.',
    },
  },
  'chat/summarize_comments': {
    dirs: [],
    unitPrimitive: 'summarize_comments',
    inputs: {
      input: 'Summarize issue comments.',
      notes_content: '<comment>Looks good to me</comment><comment>Please add a migration</comment>',
      selected_text: '',
      file_content: '',
      language_info: '',
    },
  },
  'chat/explain_vulnerability': {
    dirs: ['gpt', 'llama3', 'mistral'],
    unitPrimitive: 'explain_vulnerability',
    inputs: {
      input: 'Explain the current vulnerability.',
      title: 'SQL injection in UsersController',
      identifiers: 'CWE-89, A1:2017 - Injection',
      vulnerability_info:
        'The file "users_controller.rb" has this vulnerable code:\n\n```\nUser.where("name = \'#{params[:name]}\'")\n```\n',
      language_info: 'The code is written in Ruby and stored as users_controller.rb',
    },
  },
  'chat/issue_reader': { dirs: ['mistral'], unitPrimitive: 'ask_issue', inputs: readerInputs },
  'chat/epic_reader': {
    dirs: ['mistral'],
    unitPrimitive: 'ask_epic',
    inputs: { ...readerInputs, input: 'What is left to do in &35?' },
  },
  'chat/merge_request_reader': {
    dirs: ['gpt', 'llama3', 'mistral'],
    unitPrimitive: 'ask_merge_request',
    inputs: { ...readerInputs, input: 'What does !512 change?' },
  },
  'chat/commit_reader': {
    dirs: ['mistral'],
    unitPrimitive: 'ask_commit',
    inputs: { ...readerInputs, input: 'What did 6b0d6c1e change?' },
  },
  'chat/build_reader': {
    dirs: ['mistral'],
    unitPrimitive: 'ask_build',
    inputs: { ...readerInputs, input: 'Why did job 998877 fail?' },
  },
  'chat/work_item_reader': {
    dirs: ['mistral'],
    unitPrimitive: 'ask_work_item',
    inputs: {
      input: 'What is blocking #301?',
      suggestions: '\nObservation: JSON has an invalid format. Please retry',
    },
  },
  'chat/documentation_search': {
    dirs: ['mistral'],
    unitPrimitive: 'documentation_search',
    inputs: {
      question: 'How do I enable merge trains?',
      content_id: 'ATTRS',
      documents: [
        {
          id: 'a52b551c',
          content: 'Merge trains are enabled in Settings > Merge requests.',
          metadata: { source: 'ci/pipelines/merge_trains.md' },
        },
        {
          id: '27d75952',
          content: 'Merge trains need merged results pipelines.',
          metadata: { source: 'ci/pipelines/merged_results_pipelines.md' },
        },
      ],
    },
  },
  generate_commit_message: {
    dirs: [],
    unitPrimitive: 'generate_commit_message',
    constraints: ['1.1.0'],
    inputs: { diff: '--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-# Helo\n+# Hello' },
  },
  generate_description: {
    dirs: [],
    unitPrimitive: 'generate_issue_description',
    inputs: {
      content: 'login page crashes when the password has an emoji',
      template: '## Summary\n\n## Steps to reproduce\n',
    },
  },
  summarize_new_merge_request: {
    dirs: [],
    unitPrimitive: 'summarize_new_merge_request',
    constraints: ['^2.0.0', '2.0.0'],
    inputs: {
      extracted_diff:
        'diff --git a/app/models/user.rb b/app/models/user.rb\n+  validates :email, presence: true',
    },
  },
  summarize_review: {
    dirs: [],
    unitPrimitive: 'summarize_review',
    constraints: ['^2.0.0', '2.1.0', '1.0.0'],
    inputs: { draft_notes_content: 'Comment: please rename x\n\nComment: why is this query not indexed?\n' },
  },
  review_merge_request: {
    dirs: [],
    unitPrimitive: 'review_merge_request',
    constraints: ['0.9.0', '1.0.0', '1.1.0', '1.2.0'],
    inputs: {
      mr_title: 'Add email validation',
      mr_description: 'Users could sign up without an email.',
      diff_lines:
        '<file_diff filename="app/models/user.rb">\n<line type="added" old_line="" new_line="4">validates :email</line>\n</file_diff>',
      full_file_intro: ' You will also get the original content of the modified files.',
      full_content_section:
        'Original file content (before changes):\n<full_file filename="app/models/user.rb">class User; end</full_file>',
      custom_instructions_section: '',
    },
  },
  resolve_vulnerability: {
    dirs: [],
    unitPrimitive: 'resolve_vulnerability',
    constraints: ['1.0.1', '^1.0.1'],
    inputs: {
      name: 'SQL injection',
      filename: 'users_controller.rb',
      identifiers: '<report_identifiers>\n * CWE-89\n</report_identifiers>',
      vulnerable_code: 'User.where("name = \'#{params[:name]}\'")',
      source_code:
        'class UsersController\n  def index\n    User.where("name = \'#{params[:name]}\'")\n  end\nend',
      vulnerability_description: 'User input is concatenated into an SQL query.',
    },
  },
  glab_ask_git_command: {
    dirs: [],
    unitPrimitive: 'glab_ask_git_command',
    inputs: { prompt: 'undo my last commit but keep the changes' },
  },
  // Rails 18.x signs it for duo_classic_chat, which a duo_chat token also grants (src/auth/scopes.ts).
  categorize_question: {
    dirs: [],
    unitPrimitive: 'duo_classic_chat',
    inputs: { question: 'How do I rebase my branch?', previous_answer: 'Use git rebase main.' },
  },
  measure_comment_temperature: {
    dirs: [],
    unitPrimitive: 'measure_comment_temperature',
    inputs: { content: 'This is the worst code I have ever seen.' },
  },
  'model_configuration/check': { dirs: [], unitPrimitive: 'complete_code', inputs: {} },
}

const family = (name: string) => findFamily(name)!

export function promptDefinitionCases(runtime: 'node' | 'workerd') {
  describe(`prompt definitions [${runtime}]`, () => {
    const prompts = builtInPrompts()

    it('serve every prompt id a self-managed GitLab sends, from base plus the family directories of spec §6', () => {
      for (const [id, { dirs }] of Object.entries(CASES)) {
        const found = new Set(
          prompts
            .all()
            .filter((d) => d.id === id)
            .map((d) => d.family),
        )
        expect([...found].sort(), id).toEqual(['base', ...dirs].sort())
      }
    })

    it('resolve for every family and every constraint Rails sends, and render its inputs completely', () => {
      for (const [id, { inputs, constraints = [], unitPrimitive }] of Object.entries(CASES)) {
        for (const name of FAMILY_NAMES) {
          for (const constraint of [undefined, '^1.0.0', ...constraints]) {
            const where = `${id} / ${name} / ${constraint ?? '(none)'}`
            const definition = prompts.resolve(id, family(name), constraint)
            if (constraint && /^\d/.test(constraint)) expect(definition.version, where).toBe(constraint)
            expect(definition.unitPrimitive, where).toBe(unitPrimitive)
            const variables = { ...inputs, current_date: 'December 02, 2026' }
            expect(missingVariables(definition, variables), where).toEqual([])
            const messages = renderMessages(definition, variables)
            const text = messages.map((m) => m.content).join('\n')
            expect(text, where).not.toContain('{{')
            expect(text, where).not.toContain('}}')
            // What a template prints unconditionally must be the caller's value, not an empty hole.
            for (const variable of requiredVariables(definition))
              expect(text, `${where}: ${variable}`).toContain(String(inputs[variable]))
            expect(
              messages.every((m) => m.content.trim() !== ''),
              where,
            ).toBe(true)
          }
        }
      }
    })

    it('use the family directory where one exists: mixtral and codestral fall back to mistral, the rest to base', () => {
      const dir = (id: string, name: string) => prompts.resolve(id, family(name)).family
      expect(dir('chat/write_tests', 'codestral')).toBe('codestral')
      expect(dir('chat/write_tests', 'mixtral')).toBe('mistral')
      expect(dir('chat/fix_code', 'codestral')).toBe('codestral')
      expect(dir('chat/fix_code', 'mistral')).toBe('base')
      expect(dir('chat/issue_reader', 'codestral')).toBe('mistral')
      expect(dir('chat/merge_request_reader', 'gpt')).toBe('gpt')
      expect(dir('chat/explain_vulnerability', 'claude_3')).toBe('base')
      expect(dir('summarize_review', 'qwen')).toBe('base')
    })

    it('pick the newest version a range allows, and answer exact pins with the same definition', () => {
      const general = family('general')
      expect(prompts.resolve('summarize_review', general, '^2.0.0').version).toBe('2.1.0')
      expect(prompts.resolve('summarize_review', general, '^1.0.0').version).toBe('1.0.0')
      expect(prompts.resolve('summarize_new_merge_request', general, '^2.0.0').version).toBe('2.1.0')
      expect(prompts.resolve('review_merge_request', general).version).toBe('1.4.0')
      expect(prompts.resolve('chat/write_tests', family('llama3')).version).toBe('1.1.0')
      const pinned = prompts.resolve('review_merge_request', general, '0.9.0')
      expect(pinned.messages).toEqual(prompts.resolve('review_merge_request', general, '1.2.0').messages)
      expect(() => prompts.resolve('chat/explain_code', general, '^2.0.0')).toThrow(
        /No version matching '\^2\.0\.0'/,
      )
    })

    it('every definition names a unit primitive and a model call limit', () => {
      for (const definition of prompts.all().filter((d) => Object.hasOwn(CASES, d.id))) {
        expect(definition.unitPrimitive, definition.id).not.toBe('')
        expect(definition.timeoutS, definition.id).toBeGreaterThan(0)
      }
    })

    it('treats what Rails may leave out or send empty as optional, and the rest as required', () => {
      const general = family('general')
      expect(requiredVariables(prompts.resolve('chat/explain_code', general))).toEqual(['input'])
      expect(requiredVariables(prompts.resolve('chat/issue_reader', general))).toEqual(['input'])
      expect(requiredVariables(prompts.resolve('review_merge_request', general))).toEqual([
        'diff_lines',
        'mr_title',
      ])
      expect(requiredVariables(prompts.resolve('chat/documentation_search', general))).toEqual([
        'content_id',
        'question',
      ])
      expect(missingVariables(prompts.resolve('summarize_review', general, '2.1.0'), {})).toEqual([
        'draft_notes_content',
      ])
      expect(missingVariables(prompts.resolve('generate_commit_message', general), { diff: null })).toEqual([
        'diff',
      ])

      // A bare slash command: no selection, no file, no libraries.
      const [system, user] = renderMessages(prompts.resolve('chat/refactor_code', family('mistral')), {
        input: 'Refactor the code provided by the user: x = 1.',
      })
      expect(system!.content).not.toContain('<libs>')
      expect(user!.content).not.toContain('<selected_code>')
      expect(user!.content).toContain('Refactor the code provided by the user: x = 1.')
      const withLibraries = renderMessages(prompts.resolve('chat/write_tests', general), slashInputs)[0]!
        .content
      expect(withLibraries).toContain('<libs>\nrails (7.1.0)\nrspec (3.13.0)\n</libs>')

      // generate_description with and without an issue template.
      const description = prompts.resolve('generate_description', general)
      expect(renderMessages(description, { content: 'crash' })[1]!.content).not.toContain('<template>')
      expect(renderMessages(description, { content: 'crash', template: '## Summary' })[1]!.content).toContain(
        '<template>\n## Summary\n</template>',
      )
    })

    it('ends identifier prompts where Rails expects the model to continue the JSON', () => {
      for (const id of [
        'chat/issue_reader',
        'chat/epic_reader',
        'chat/merge_request_reader',
        'chat/commit_reader',
        'chat/build_reader',
        'chat/work_item_reader',
      ]) {
        for (const name of ['general', 'mistral', 'gpt', 'llama3']) {
          const messages = renderMessages(prompts.resolve(id, family(name)), CASES[id]!.inputs)
          expect(
            messages.map((m) => m.role),
            `${id}/${name}`,
          ).toEqual(['system', 'user', 'assistant'])
          expect(messages[2]!.content, `${id}/${name}`).toBe('```json\n{\n  "ResourceIdentifierType": "')
          expect(messages[1]!.content).toContain(`Question: ${String(CASES[id]!.inputs.input)}`)
        }
      }
      const retry = renderMessages(
        prompts.resolve('chat/work_item_reader', family('general')),
        CASES['chat/work_item_reader']!.inputs,
      )[1]!.content
      expect(retry).toContain('Observation: JSON has an invalid format. Please retry')
    })

    it('lists every documentation extract with the identifier Rails maps back to a link', () => {
      const [user, assistant] = renderMessages(
        prompts.resolve('chat/documentation_search', family('claude_3')),
        CASES['chat/documentation_search']!.inputs,
      )
      expect(user!.content).toContain(
        'CONTENT: Merge trains are enabled in Settings > Merge requests.\nATTRS: CNT-IDX-a52b551c',
      )
      expect(user!.content).toContain('ATTRS: CNT-IDX-27d75952')
      expect(assistant).toEqual({ role: 'assistant', content: 'FINAL ANSWER:' })
    })

    it('asks resolve_vulnerability for the tags Rails parses', () => {
      const text = renderMessages(
        prompts.resolve('resolve_vulnerability', family('mistral'), '1.0.1'),
        CASES.resolve_vulnerability!.inputs,
      )[1]!.content
      for (const tag of [
        '<analysis>',
        '</analysis>',
        '<is_false_positive>',
        '<fixed_code>',
        '</fixed_code>',
        '<summary>',
      ])
        expect(text).toContain(tag)
    })

    it('model_configuration/check needs no inputs: "Just say hello." in at most 16 tokens', () => {
      for (const name of FAMILY_NAMES) {
        const definition = prompts.resolve('model_configuration/check', family(name))
        expect(requiredVariables(definition)).toEqual([])
        expect(renderMessages(definition, {})).toEqual([{ role: 'user', content: 'Just say hello.' }])
        expect(definition.modelParams.max_tokens).toBe(16)
      }
    })
  })
}
