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

export const DEFINITION_FILES: readonly unknown[] = [
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
]
