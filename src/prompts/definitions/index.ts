/**
 * Every prompt definition the gateway serves. Bundlers (esbuild for Node, wrangler for Workers)
 * inline these JSON files, so the Worker needs no file system; test/contract/prompts.cases.ts
 * checks that every file under definitions/ is listed here.
 */
import completionsBase100 from './code_suggestions/completions/base/1.0.0.json' with { type: 'json' }
import completionsCodegemma100 from './code_suggestions/completions/codegemma/1.0.0.json' with { type: 'json' }
import completionsCodellama100 from './code_suggestions/completions/codellama/1.0.0.json' with { type: 'json' }
import completionsCodestral100 from './code_suggestions/completions/codestral/1.0.0.json' with { type: 'json' }
import completionsDeepseekcoder100 from './code_suggestions/completions/deepseekcoder/1.0.0.json' with { type: 'json' }
import completionsGpt100 from './code_suggestions/completions/gpt/1.0.0.json' with { type: 'json' }
import completionsLlama3100 from './code_suggestions/completions/llama3/1.0.0.json' with { type: 'json' }
import completionsMistral100 from './code_suggestions/completions/mistral/1.0.0.json' with { type: 'json' }
import generationsBase120 from './code_suggestions/generations/base/1.2.0.json' with { type: 'json' }
import generationsCodegemma100 from './code_suggestions/generations/codegemma/1.0.0.json' with { type: 'json' }
import generationsCodellama100 from './code_suggestions/generations/codellama/1.0.0.json' with { type: 'json' }
import generationsCodestral100 from './code_suggestions/generations/codestral/1.0.0.json' with { type: 'json' }
import generationsDeepseekcoder100 from './code_suggestions/generations/deepseekcoder/1.0.0.json' with { type: 'json' }
import generationsGpt100 from './code_suggestions/generations/gpt/1.0.0.json' with { type: 'json' }
import generationsLlama3100 from './code_suggestions/generations/llama3/1.0.0.json' with { type: 'json' }
import generationsMistral100 from './code_suggestions/generations/mistral/1.0.0.json' with { type: 'json' }
import generationsMixtral100 from './code_suggestions/generations/mixtral/1.0.0.json' with { type: 'json' }
import categorizeQuestionBase100 from './categorize_question/base/1.0.0.json' with { type: 'json' }
import chatBuildReaderBase110 from './chat/build_reader/base/1.1.0.json' with { type: 'json' }
import chatBuildReaderMistral100 from './chat/build_reader/mistral/1.0.0.json' with { type: 'json' }
import chatCommitReaderBase110 from './chat/commit_reader/base/1.1.0.json' with { type: 'json' }
import chatCommitReaderMistral100 from './chat/commit_reader/mistral/1.0.0.json' with { type: 'json' }
import chatDocumentationSearchBase110 from './chat/documentation_search/base/1.1.0.json' with { type: 'json' }
import chatDocumentationSearchMistral100 from './chat/documentation_search/mistral/1.0.0.json' with { type: 'json' }
import chatEpicReaderBase110 from './chat/epic_reader/base/1.1.0.json' with { type: 'json' }
import chatEpicReaderMistral100 from './chat/epic_reader/mistral/1.0.0.json' with { type: 'json' }
import chatExplainCodeBase110 from './chat/explain_code/base/1.1.0.json' with { type: 'json' }
import chatExplainVulnerabilityBase101 from './chat/explain_vulnerability/base/1.0.1.json' with { type: 'json' }
import chatExplainVulnerabilityGpt100 from './chat/explain_vulnerability/gpt/1.0.0.json' with { type: 'json' }
import chatExplainVulnerabilityLlama3100 from './chat/explain_vulnerability/llama3/1.0.0.json' with { type: 'json' }
import chatExplainVulnerabilityMistral100 from './chat/explain_vulnerability/mistral/1.0.0.json' with { type: 'json' }
import chatFixCodeBase120 from './chat/fix_code/base/1.2.0.json' with { type: 'json' }
import chatFixCodeCodestral110 from './chat/fix_code/codestral/1.1.0.json' with { type: 'json' }
import chatFixCodeLlama3110 from './chat/fix_code/llama3/1.1.0.json' with { type: 'json' }
import chatIssueReaderBase110 from './chat/issue_reader/base/1.1.0.json' with { type: 'json' }
import chatIssueReaderMistral100 from './chat/issue_reader/mistral/1.0.0.json' with { type: 'json' }
import chatMergeRequestReaderBase110 from './chat/merge_request_reader/base/1.1.0.json' with { type: 'json' }
import chatMergeRequestReaderGpt100 from './chat/merge_request_reader/gpt/1.0.0.json' with { type: 'json' }
import chatMergeRequestReaderLlama3100 from './chat/merge_request_reader/llama3/1.0.0.json' with { type: 'json' }
import chatMergeRequestReaderMistral100 from './chat/merge_request_reader/mistral/1.0.0.json' with { type: 'json' }
import chatRefactorCodeBase130 from './chat/refactor_code/base/1.3.0.json' with { type: 'json' }
import chatRefactorCodeCodestral120 from './chat/refactor_code/codestral/1.2.0.json' with { type: 'json' }
import chatRefactorCodeLlama3120 from './chat/refactor_code/llama3/1.2.0.json' with { type: 'json' }
import chatRefactorCodeMistral120 from './chat/refactor_code/mistral/1.2.0.json' with { type: 'json' }
import chatSummarizeCommentsBase110 from './chat/summarize_comments/base/1.1.0.json' with { type: 'json' }
import chatTroubleshootJobBase102 from './chat/troubleshoot_job/base/1.0.2.json' with { type: 'json' }
import chatWorkItemReaderBase100 from './chat/work_item_reader/base/1.0.0.json' with { type: 'json' }
import chatWorkItemReaderMistral100 from './chat/work_item_reader/mistral/1.0.0.json' with { type: 'json' }
import chatWriteTestsBase120 from './chat/write_tests/base/1.2.0.json' with { type: 'json' }
import chatWriteTestsCodestral110 from './chat/write_tests/codestral/1.1.0.json' with { type: 'json' }
import chatWriteTestsLlama3110 from './chat/write_tests/llama3/1.1.0.json' with { type: 'json' }
import chatWriteTestsMistral110 from './chat/write_tests/mistral/1.1.0.json' with { type: 'json' }
import generateCommitMessageBase120 from './generate_commit_message/base/1.2.0.json' with { type: 'json' }
import generateDescriptionBase100 from './generate_description/base/1.0.0.json' with { type: 'json' }
import glabAskGitCommandBase101 from './glab_ask_git_command/base/1.0.1.json' with { type: 'json' }
import measureCommentTemperatureBase102 from './measure_comment_temperature/base/1.0.2.json' with { type: 'json' }
import modelConfigurationCheckBase100 from './model_configuration/check/base/1.0.0.json' with { type: 'json' }
import resolveVulnerabilityBase102 from './resolve_vulnerability/base/1.0.2.json' with { type: 'json' }
import reviewMergeRequestBase140 from './review_merge_request/base/1.4.0.json' with { type: 'json' }
import summarizeNewMergeRequestBase210 from './summarize_new_merge_request/base/2.1.0.json' with { type: 'json' }
import summarizeReviewBase210 from './summarize_review/base/2.1.0.json' with { type: 'json' }

import chatReactBase110 from './chat/react/base/1.1.0.json' with { type: 'json' }
import chatReactGpt100 from './chat/react/gpt/1.0.0.json' with { type: 'json' }
import chatReactLlama3100 from './chat/react/llama3/1.0.0.json' with { type: 'json' }
export const DEFINITION_FILES: readonly unknown[] = [
  chatReactBase110,
  chatReactGpt100,
  chatReactLlama3100,
  completionsBase100,
  completionsCodegemma100,
  completionsCodellama100,
  completionsCodestral100,
  completionsDeepseekcoder100,
  completionsGpt100,
  completionsLlama3100,
  completionsMistral100,
  generationsBase120,
  generationsCodegemma100,
  generationsCodellama100,
  generationsCodestral100,
  generationsDeepseekcoder100,
  generationsGpt100,
  generationsLlama3100,
  generationsMistral100,
  generationsMixtral100,
  categorizeQuestionBase100,
  chatBuildReaderBase110,
  chatBuildReaderMistral100,
  chatCommitReaderBase110,
  chatCommitReaderMistral100,
  chatDocumentationSearchBase110,
  chatDocumentationSearchMistral100,
  chatEpicReaderBase110,
  chatEpicReaderMistral100,
  chatExplainCodeBase110,
  chatExplainVulnerabilityBase101,
  chatExplainVulnerabilityGpt100,
  chatExplainVulnerabilityLlama3100,
  chatExplainVulnerabilityMistral100,
  chatFixCodeBase120,
  chatFixCodeCodestral110,
  chatFixCodeLlama3110,
  chatIssueReaderBase110,
  chatIssueReaderMistral100,
  chatMergeRequestReaderBase110,
  chatMergeRequestReaderGpt100,
  chatMergeRequestReaderLlama3100,
  chatMergeRequestReaderMistral100,
  chatRefactorCodeBase130,
  chatRefactorCodeCodestral120,
  chatRefactorCodeLlama3120,
  chatRefactorCodeMistral120,
  chatSummarizeCommentsBase110,
  chatTroubleshootJobBase102,
  chatWorkItemReaderBase100,
  chatWorkItemReaderMistral100,
  chatWriteTestsBase120,
  chatWriteTestsCodestral110,
  chatWriteTestsLlama3110,
  chatWriteTestsMistral110,
  generateCommitMessageBase120,
  generateDescriptionBase100,
  glabAskGitCommandBase101,
  measureCommentTemperatureBase102,
  modelConfigurationCheckBase100,
  resolveVulnerabilityBase102,
  reviewMergeRequestBase140,
  summarizeNewMergeRequestBase210,
  summarizeReviewBase210,
]
