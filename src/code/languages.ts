/**
 * The language of the file being edited, as GitLab's AI gateway resolves it for code suggestions
 * (`code_suggestions/base.py` `resolve_lang_id`, `processing/ops.py` `_ALL_LANGS`):
 *
 * - `lang` (the response field): the `LanguageId` enum name, lower-cased, of the language the
 *   file's extension names, else of the language the editor's language id names, else ''.
 * - `language` (the prompt template variable): the editor's language id, else the extension's
 *   language name, else the bare extension, lower-cased. None at all means no model call.
 *
 * The extension is what Python's `PurePath(name).suffix` gives: the part after the last dot of
 * the base name, none when the only dot leads (`.bashrc`) or ends (`x.`) the name.
 *
 * Where this differs from GitLab, on purpose:
 * - extensions match case-insensitively (`MAIN.PY` is Python; GitLab misses `.PY`), except that
 *   upper-case `.C` and `.H` stay C++ as in GitLab's table;
 * - editor ids are trimmed and match case-insensitively;
 * - well-known names without a known extension (`Dockerfile`, `Makefile`, `BUILD`, `.bashrc`,
 *   `CMakeLists.txt`...) name a language through `fileNames`, so those files get suggestions
 *   (GitLab skips them), and a `lang` when neither the extension nor the editor id gives one.
 */

export interface Language {
  /** The response's `lang`: GitLab's LanguageId enum name lower-cased ('' when GitLab's enum has none). */
  lang: string
  /**
   * What the prompt calls it (the template variable `language`), lower-case: GitLab's
   * `grammar_name` (the field its `_EXTENSION_TO_LANG_NAME` reads) where GitLab has the
   * language, otherwise a plain lower-case name.
   */
  name: string
  /** Without the dot, lower-case. For GitLab's languages exactly GitLab's list (lower-cased), so `lang` matches GitLab's. */
  extensions: readonly string[]
  /** VS Code language ids that mean this language (GitLab's `editor_names` for its languages). */
  editorIds?: readonly string[]
  /**
   * Whole base names, case-sensitive as conventionally written, that mean this language.
   * `Name.*` stands for the name with any extension (`Dockerfile.dev`).
   */
  fileNames?: readonly string[]
}

// GitLab's table first (enum name, grammar name, extensions, editor names), then common
// languages GitLab lacks (lang ''). One language per extension; a test keeps it so.
export const LANGUAGES: readonly Language[] = [
  { lang: 'c', name: 'c', extensions: ['c', 'h'], editorIds: ['c'] },
  { lang: 'cpp', name: 'cpp', extensions: ['cpp', 'hpp', 'c++', 'h++', 'cc', 'hh'], editorIds: ['cpp'] },
  { lang: 'csharp', name: 'csharp', extensions: ['cs'], editorIds: ['csharp'] },
  { lang: 'go', name: 'go', extensions: ['go'], editorIds: ['go'] },
  { lang: 'java', name: 'java', extensions: ['java'], editorIds: ['java'] },
  { lang: 'js', name: 'javascript', extensions: ['js', 'jsx'], editorIds: ['javascript', 'javascriptreact'] },
  {
    lang: 'php',
    name: 'php',
    extensions: ['php', 'php3', 'php4', 'php5', 'phps', 'phpt'],
    editorIds: ['php'],
  },
  {
    lang: 'python',
    name: 'python',
    extensions: ['py'],
    editorIds: ['python'],
    fileNames: ['SConstruct', 'SConscript'],
  },
  {
    lang: 'ruby',
    name: 'ruby',
    extensions: ['rb'],
    editorIds: ['ruby'],
    fileNames: [
      'Gemfile',
      'Rakefile',
      'Vagrantfile',
      'Podfile',
      'Fastfile',
      'Brewfile',
      'Guardfile',
      'Capfile',
      'Berksfile',
      'Dangerfile',
    ],
  },
  { lang: 'rust', name: 'rust', extensions: ['rs'], editorIds: ['rust'] },
  { lang: 'scala', name: 'scala', extensions: ['scala'], editorIds: ['scala'] },
  { lang: 'ts', name: 'typescript', extensions: ['ts', 'tsx'], editorIds: ['typescript', 'typescriptreact'] },
  { lang: 'kotlin', name: 'kotlin', extensions: ['kts', 'kt'], editorIds: ['kotlin'] },
  { lang: 'ada', name: 'ada', extensions: ['adb', 'ads', 'ada'], editorIds: ['ada'] },
  { lang: 'apex', name: 'apex', extensions: ['cls', 'trigger'], editorIds: ['apex'] },
  { lang: 'arduino', name: 'arduino', extensions: ['ino'], editorIds: ['arduino'] },
  { lang: 'asm', name: 'asm', extensions: ['asm', 's'], editorIds: ['asm', 'x86asm'] },
  { lang: 'awk', name: 'awk', extensions: ['awk'], editorIds: ['awk'] },
  {
    lang: 'bash',
    name: 'bash',
    extensions: ['sh', 'bash'],
    editorIds: ['shellscript', 'bash'],
    fileNames: ['.bashrc', '.bash_profile', '.bash_aliases', '.bash_logout', '.profile'],
  },
  { lang: 'batch', name: 'batch', extensions: ['bat', 'cmd'], editorIds: ['bat'] },
  { lang: 'bicep', name: 'bicep', extensions: ['bicep'], editorIds: ['bicep'] },
  { lang: 'c3', name: 'c3', extensions: ['c3'], editorIds: ['c3'] },
  { lang: 'cairo', name: 'cairo', extensions: ['cairo'], editorIds: ['cairo'] },
  { lang: 'clojure', name: 'clojure', extensions: ['clj', 'cljs', 'cljc'], editorIds: ['clojure'] },
  { lang: 'cobol', name: 'cobol', extensions: ['cbl', 'cob', 'cobol'], editorIds: ['cobol'] },
  {
    lang: 'commonlisp',
    name: 'commonlisp',
    extensions: ['lisp', 'cl', 'lsp'],
    editorIds: ['commonlisp', 'lisp'],
  },
  { lang: 'crystal', name: 'crystal', extensions: ['cr'], editorIds: ['crystal'] },
  { lang: 'cuda', name: 'cuda', extensions: ['cu', 'cuh'], editorIds: ['cuda', 'cuda-cpp'] },
  { lang: 'd', name: 'd', extensions: ['d'], editorIds: ['d'] },
  { lang: 'dart', name: 'dart', extensions: ['dart'], editorIds: ['dart'] },
  { lang: 'devicetree', name: 'devicetree', extensions: ['dts', 'dtsi'], editorIds: ['dts'] },
  {
    lang: 'dockerfile',
    name: 'dockerfile',
    extensions: ['dockerfile'],
    editorIds: ['dockerfile'],
    fileNames: ['Dockerfile', 'Containerfile', 'Dockerfile.*', 'Containerfile.*'],
  },
  { lang: 'elisp', name: 'elisp', extensions: ['el'], editorIds: ['emacs-lisp'], fileNames: ['.emacs'] },
  { lang: 'elixir', name: 'elixir', extensions: ['ex', 'exs'], editorIds: ['elixir'] },
  { lang: 'elm', name: 'elm', extensions: ['elm'], editorIds: ['elm'] },
  { lang: 'erlang', name: 'erlang', extensions: ['erl', 'hrl'], editorIds: ['erlang'] },
  { lang: 'fennel', name: 'fennel', extensions: ['fnl'], editorIds: ['fennel'] },
  { lang: 'fish', name: 'fish', extensions: ['fish'], editorIds: ['fish'] },
  {
    lang: 'fortran',
    name: 'fortran',
    extensions: ['f', 'f90', 'f95', 'f03', 'f08', 'f77', 'for'],
    editorIds: ['fortran', 'FortranFreeForm'],
  },
  { lang: 'fsharp', name: 'fsharp', extensions: ['fs', 'fsi', 'fsx'], editorIds: ['fsharp'] },
  { lang: 'gdscript', name: 'gdscript', extensions: ['gd'], editorIds: ['gdscript'] },
  { lang: 'gleam', name: 'gleam', extensions: ['gleam'], editorIds: ['gleam'] },
  { lang: 'glsl', name: 'glsl', extensions: ['glsl', 'vert', 'frag'], editorIds: ['glsl'] },
  {
    lang: 'groovy',
    name: 'groovy',
    extensions: ['groovy', 'gvy', 'gy', 'gsh'],
    editorIds: ['groovy'],
    fileNames: ['Jenkinsfile'],
  },
  { lang: 'hack', name: 'hack', extensions: ['hack'], editorIds: ['hack'] },
  { lang: 'hare', name: 'hare', extensions: ['ha'], editorIds: ['hare'] },
  { lang: 'haskell', name: 'haskell', extensions: ['hs', 'lhs'], editorIds: ['haskell'] },
  { lang: 'haxe', name: 'haxe', extensions: ['hx'], editorIds: ['haxe'] },
  { lang: 'hcl', name: 'hcl', extensions: ['hcl'], editorIds: ['hcl'] },
  { lang: 'hlsl', name: 'hlsl', extensions: ['hlsl'], editorIds: ['hlsl'] },
  { lang: 'idris', name: 'idris', extensions: ['idr'], editorIds: ['idris'] },
  { lang: 'jai', name: 'jai', extensions: ['jai'], editorIds: ['jai'] },
  { lang: 'janet', name: 'janet', extensions: ['janet'], editorIds: ['janet'] },
  { lang: 'jq', name: 'jq', extensions: ['jq'], editorIds: ['jq'] },
  { lang: 'julia', name: 'julia', extensions: ['jl'], editorIds: ['julia'] },
  { lang: 'lua', name: 'lua', extensions: ['lua'], editorIds: ['lua'] },
  { lang: 'luau', name: 'luau', extensions: ['luau'], editorIds: ['luau'] },
  { lang: 'magik', name: 'magik', extensions: ['magik'], editorIds: ['magik'] },
  { lang: 'matlab', name: 'matlab', extensions: ['mat'], editorIds: ['matlab'] },
  { lang: 'mojo', name: 'mojo', extensions: ['mojo'], editorIds: ['mojo'] },
  { lang: 'move', name: 'move', extensions: ['move'], editorIds: ['move'] },
  { lang: 'nim', name: 'nim', extensions: ['nim'], editorIds: ['nim'] },
  { lang: 'nix', name: 'nix', extensions: ['nix'], editorIds: ['nix'] },
  { lang: 'objc', name: 'objc', extensions: ['m', 'mm'], editorIds: ['objective-c', 'objective-cpp'] },
  { lang: 'ocaml', name: 'ocaml', extensions: ['ml', 'mli'], editorIds: ['ocaml'] },
  { lang: 'odin', name: 'odin', extensions: ['odin'], editorIds: ['odin'] },
  { lang: 'pascal', name: 'pascal', extensions: ['pas', 'pp'], editorIds: ['pascal', 'objectpascal'] },
  { lang: 'perl', name: 'perl', extensions: ['pl', 'pm', 'pod', 't'], editorIds: ['perl'] },
  { lang: 'pony', name: 'pony', extensions: ['pony'], editorIds: ['pony'] },
  { lang: 'powershell', name: 'powershell', extensions: ['ps1', 'psm1', 'psd1'], editorIds: ['powershell'] },
  { lang: 'prolog', name: 'prolog', extensions: ['pro', 'prolog'], editorIds: ['prolog'] },
  { lang: 'purescript', name: 'purescript', extensions: ['purs'], editorIds: ['purescript'] },
  { lang: 'ql', name: 'ql', extensions: ['ql', 'qll'], editorIds: ['ql', 'codeql'] },
  { lang: 'r', name: 'r', extensions: ['r'], editorIds: ['r'] },
  { lang: 'racket', name: 'racket', extensions: ['rkt'], editorIds: ['racket'] },
  { lang: 'rescript', name: 'rescript', extensions: ['res', 'resi'], editorIds: ['rescript'] },
  { lang: 'robot', name: 'robot', extensions: ['robot'], editorIds: ['robot'] },
  { lang: 'roc', name: 'roc', extensions: ['roc'], editorIds: ['roc'] },
  { lang: 'scheme', name: 'scheme', extensions: ['scm', 'ss'], editorIds: ['scheme'] },
  { lang: 'smalltalk', name: 'smalltalk', extensions: ['st'], editorIds: ['smalltalk'] },
  { lang: 'solidity', name: 'solidity', extensions: ['sol'], editorIds: ['solidity'] },
  { lang: 'sourcepawn', name: 'sourcepawn', extensions: ['sp'], editorIds: ['sourcepawn'] },
  { lang: 'sql', name: 'sql', extensions: ['sql'], editorIds: ['sql'] },
  {
    lang: 'starlark',
    name: 'starlark',
    extensions: ['star', 'bzl'],
    editorIds: ['starlark', 'bazel'],
    fileNames: ['BUILD', 'WORKSPACE', 'BUILD.bazel', 'WORKSPACE.bazel', 'MODULE.bazel', 'Tiltfile'],
  },
  { lang: 'svelte', name: 'svelte', extensions: ['svelte'], editorIds: ['svelte'] },
  { lang: 'swift', name: 'swift', extensions: ['swift'], editorIds: ['swift'] },
  { lang: 'systemverilog', name: 'systemverilog', extensions: ['sv', 'svh'], editorIds: ['systemverilog'] },
  { lang: 'tact', name: 'tact', extensions: ['tact'], editorIds: ['tact'] },
  { lang: 'tcl', name: 'tcl', extensions: ['tcl', 'tk'], editorIds: ['tcl'] },
  { lang: 'terraform', name: 'terraform', extensions: ['tf', 'tfvars'], editorIds: ['terraform'] },
  { lang: 'tlaplus', name: 'tlaplus', extensions: ['tla'], editorIds: ['tlaplus'] },
  { lang: 'v', name: 'v', extensions: ['vsh', 'vv'], editorIds: ['v'] },
  { lang: 'vb', name: 'vb', extensions: ['vb', 'bas', 'vbs'], editorIds: ['vb', 'vbscript'] },
  { lang: 'verilog', name: 'verilog', extensions: ['v'], editorIds: ['verilog'] },
  { lang: 'vhdl', name: 'vhdl', extensions: ['vhd', 'vhdl'], editorIds: ['vhdl'] },
  {
    lang: 'vim',
    name: 'vim',
    extensions: ['vim'],
    editorIds: ['vim', 'viml'],
    fileNames: ['.vimrc', '.gvimrc'],
  },
  { lang: 'vue', name: 'vue', extensions: ['vue'], editorIds: ['vue'] },
  { lang: 'wgsl', name: 'wgsl', extensions: ['wgsl'], editorIds: ['wgsl'] },
  { lang: 'zig', name: 'zig', extensions: ['zig'], editorIds: ['zig'] },
  {
    lang: 'zsh',
    name: 'zsh',
    extensions: ['zsh'],
    editorIds: ['zsh'],
    fileNames: ['.zshrc', '.zshenv', '.zprofile', '.zlogin'],
  },

  // Not in GitLab's enum: `lang` stays '' (as GitLab's would), the prompt gets a real name.
  { lang: '', name: 'html', extensions: ['html', 'htm', 'xhtml'], editorIds: ['html'] },
  { lang: '', name: 'css', extensions: ['css'], editorIds: ['css'] },
  { lang: '', name: 'scss', extensions: ['scss'], editorIds: ['scss'] },
  { lang: '', name: 'sass', extensions: ['sass'], editorIds: ['sass'] },
  { lang: '', name: 'less', extensions: ['less'], editorIds: ['less'] },
  { lang: '', name: 'json', extensions: ['json', 'jsonc', 'jsonl'], editorIds: ['json', 'jsonc', 'jsonl'] },
  { lang: '', name: 'yaml', extensions: ['yaml', 'yml'], editorIds: ['yaml'] },
  { lang: '', name: 'toml', extensions: ['toml'], editorIds: ['toml'], fileNames: ['Pipfile'] },
  { lang: '', name: 'xml', extensions: ['xml', 'xsd', 'xsl', 'xslt', 'plist'], editorIds: ['xml', 'xsl'] },
  { lang: '', name: 'markdown', extensions: ['md', 'markdown'], editorIds: ['markdown'] },
  { lang: '', name: 'mdx', extensions: ['mdx'], editorIds: ['mdx'] },
  { lang: '', name: 'restructuredtext', extensions: ['rst'], editorIds: ['restructuredtext'] },
  { lang: '', name: 'latex', extensions: ['tex', 'sty', 'ltx'], editorIds: ['latex', 'tex'] },
  { lang: '', name: 'bibtex', extensions: ['bib'], editorIds: ['bibtex'] },
  {
    lang: '',
    name: 'makefile',
    extensions: ['mk', 'mak', 'make'],
    editorIds: ['makefile'],
    fileNames: ['Makefile', 'makefile', 'GNUmakefile'],
  },
  { lang: '', name: 'cmake', extensions: ['cmake'], editorIds: ['cmake'], fileNames: ['CMakeLists.txt'] },
  {
    lang: '',
    name: 'just',
    extensions: ['just'],
    editorIds: ['just'],
    fileNames: ['justfile', 'Justfile', '.justfile'],
  },
  { lang: '', name: 'procfile', extensions: [], fileNames: ['Procfile'] },
  { lang: '', name: 'protobuf', extensions: ['proto'], editorIds: ['proto', 'proto3'] },
  { lang: '', name: 'graphql', extensions: ['graphql', 'gql'], editorIds: ['graphql'] },
  { lang: '', name: 'ini', extensions: ['ini', 'cfg'], editorIds: ['ini'] },
  { lang: '', name: 'properties', extensions: ['properties'], editorIds: ['properties', 'java-properties'] },
  { lang: '', name: 'coffeescript', extensions: ['coffee'], editorIds: ['coffeescript'] },
  { lang: '', name: 'handlebars', extensions: ['hbs', 'handlebars'], editorIds: ['handlebars'] },
  { lang: '', name: 'pug', extensions: ['pug', 'jade'], editorIds: ['pug', 'jade'] },
  { lang: '', name: 'razor', extensions: ['cshtml', 'razor'], editorIds: ['razor', 'aspnetcorerazor'] },
  { lang: '', name: 'erb', extensions: ['erb'], editorIds: ['erb'] },
  { lang: '', name: 'astro', extensions: ['astro'], editorIds: ['astro'] },
  {
    lang: '',
    name: 'raku',
    extensions: ['raku', 'rakumod', 'p6', 'pl6', 'pm6'],
    editorIds: ['raku', 'perl6'],
  },
  { lang: '', name: 'reason', extensions: ['re', 'rei'], editorIds: ['reason'] },
  { lang: '', name: 'jsonnet', extensions: ['jsonnet', 'libsonnet'], editorIds: ['jsonnet'] },
  { lang: '', name: 'webassembly', extensions: ['wat', 'wast'], editorIds: ['wat'] },
  { lang: '', name: 'lean', extensions: ['lean'], editorIds: ['lean', 'lean4'] },
]

// GitLab's table lists upper-case `C` and `H` as C++ (the Unix convention) next to lower-case
// `c` and `h` as C; everything else matches case-insensitively.
const CASE_SENSITIVE_EXTENSIONS: Readonly<Record<string, string>> = { C: 'cpp', H: 'cpp' }

// Built once: this runs on every completion request.
const byExtension = new Map<string, Language>()
const byEditorId = new Map<string, Language>()
const byFileName = new Map<string, Language>()
const byFileNameStem = new Map<string, Language>() // from `Name.*` entries
for (const language of LANGUAGES) {
  for (const extension of language.extensions) byExtension.set(extension, language)
  for (const id of language.editorIds ?? []) byEditorId.set(id.toLowerCase(), language)
  for (const name of language.fileNames ?? []) {
    if (name.endsWith('.*')) byFileNameStem.set(name.slice(0, -2), language)
    else byFileName.set(name, language)
  }
}
const byCaseSensitiveExtension = new Map<string, Language>()
for (const [extension, name] of Object.entries(CASE_SENSITIVE_EXTENSIONS)) {
  const language = LANGUAGES.find((candidate) => candidate.name === name)
  if (language) byCaseSensitiveExtension.set(extension, language)
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1)
}

/** Python's `PurePath.suffix` without the dot: '' for `.bashrc`, `x.` and `Makefile`. */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : ''
}

function byName(name: string, extension: string): Language | undefined {
  const exact = byFileName.get(name)
  if (exact || !extension) return exact
  return byFileNameStem.get(name.slice(0, name.indexOf('.')))
}

export interface ResolvedLanguage {
  /** Response `lang` ('' when unknown). */
  lang: string
  /** Template variable `language`, or undefined when none can be derived (then the caller skips the model call). */
  language: string | undefined
}

export function resolveLanguage(fileName: string, languageIdentifier?: string | null): ResolvedLanguage {
  const name = baseName(fileName)
  const extension = extensionOf(name)
  const fromExtension = byCaseSensitiveExtension.get(extension) ?? byExtension.get(extension.toLowerCase())
  const editorId = languageIdentifier?.trim().toLowerCase() || undefined
  const fromEditor = editorId === undefined ? undefined : byEditorId.get(editorId)
  // Only when the extension names no language: `Dockerfile.js` stays JavaScript, while
  // `CMakeLists.txt` (`.txt` names none) is CMake.
  const fromName = fromExtension ? undefined : byName(name, extension)

  // `||`, not `??`: a known language outside GitLab's enum ('' lang) lets the next source answer.
  const lang = fromExtension?.lang || fromEditor?.lang || fromName?.lang || ''
  const language = editorId ?? fromExtension?.name ?? fromName?.name ?? (extension.toLowerCase() || undefined)
  return { lang, language }
}
