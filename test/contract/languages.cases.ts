/**
 * Language resolution for code suggestions: the response's `lang` (GitLab's LanguageId enum name)
 * and the prompt's `language`, from the file name and the editor's language id.
 */
import { describe, expect, it } from 'vitest'
import { LANGUAGES, resolveLanguage } from '../../src/code/languages.ts'

/** Every value that appears under more than one language, with the languages that claim it. */
function claimedTwice(values: (language: (typeof LANGUAGES)[number]) => readonly string[]): string[] {
  const owners = new Map<string, string[]>()
  for (const language of LANGUAGES) {
    for (const value of values(language)) owners.set(value, [...(owners.get(value) ?? []), language.name])
  }
  return [...owners]
    .filter(([, names]) => names.length > 1)
    .map(([value, names]) => `${value}: ${names.join(', ')}`)
}

export function languageCases(runtime: 'node' | 'workerd') {
  describe(`language resolution [${runtime}]`, () => {
    it('names the language from the extension, as GitLab does', () => {
      expect(resolveLanguage('app/models/user.rb')).toEqual({ lang: 'ruby', language: 'ruby' })
      expect(resolveLanguage('app/billing.py')).toEqual({ lang: 'python', language: 'python' })
    })

    it.each([
      ['web/app.js', 'js', 'javascript'],
      ['web/view.jsx', 'js', 'javascript'],
      ['src/index.ts', 'ts', 'typescript'],
      ['src/view.tsx', 'ts', 'typescript'],
      ['Program.cs', 'csharp', 'csharp'],
      ['engine/main.cpp', 'cpp', 'cpp'],
      ['engine/list.hh', 'cpp', 'cpp'],
      ['include/list.h', 'c', 'c'],
      ['lib/list.c', 'c', 'c'],
      ['Main.kt', 'kotlin', 'kotlin'],
      ['deploy.sh', 'bash', 'bash'],
      ['App.m', 'objc', 'objc'],
      ['top.v', 'verilog', 'verilog'],
      ['build.vsh', 'v', 'v'],
      ['script.pl', 'perl', 'perl'],
      ['defs.bzl', 'starlark', 'starlark'],
    ])('%s is lang %s, language %s', (file, lang, language) => {
      expect(resolveLanguage(file)).toEqual({ lang, language })
    })

    it("keeps GitLab's upper-case C++ extensions apart from C", () => {
      expect(resolveLanguage('legacy/Parser.C')).toEqual({ lang: 'cpp', language: 'cpp' })
      expect(resolveLanguage('legacy/Parser.H')).toEqual({ lang: 'cpp', language: 'cpp' })
    })

    it('matches other extensions case-insensitively', () => {
      expect(resolveLanguage('MAIN.PY')).toEqual({ lang: 'python', language: 'python' })
      expect(resolveLanguage('Lib.Rs')).toEqual({ lang: 'rust', language: 'rust' })
      expect(resolveLanguage('START.S')).toEqual({ lang: 'asm', language: 'asm' })
    })

    it('lets the editor id name the language, but not the lang, when the extension knows it', () => {
      expect(resolveLanguage('web/app.js', 'typescript')).toEqual({ lang: 'js', language: 'typescript' })
      expect(resolveLanguage('src/view.tsx', 'typescriptreact')).toEqual({
        lang: 'ts',
        language: 'typescriptreact',
      })
    })

    it("takes the lang from the editor id when the extension names none in GitLab's enum", () => {
      expect(resolveLanguage('notes.txt', 'python')).toEqual({ lang: 'python', language: 'python' })
      expect(resolveLanguage('web/index.html', 'javascript')).toEqual({ lang: 'js', language: 'javascript' })
      expect(resolveLanguage('run', 'shellscript')).toEqual({ lang: 'bash', language: 'shellscript' })
      expect(resolveLanguage('x.foo', 'cpp')).toEqual({ lang: 'cpp', language: 'cpp' })
    })

    it('lower-cases and trims the editor id; an empty or unknown one is no help', () => {
      expect(resolveLanguage('solver.f90', 'FortranFreeForm')).toEqual({
        lang: 'fortran',
        language: 'fortranfreeform',
      })
      expect(resolveLanguage('x.foo', '  Python ')).toEqual({ lang: 'python', language: 'python' })
      expect(resolveLanguage('app/billing.py', '   ')).toEqual({ lang: 'python', language: 'python' })
      expect(resolveLanguage('app/billing.py', null)).toEqual({ lang: 'python', language: 'python' })
      expect(resolveLanguage('x.foo', 'cobolish')).toEqual({ lang: '', language: 'cobolish' })
    })

    it('passes an unknown extension on as the language, lower-cased', () => {
      expect(resolveLanguage('x.foo')).toEqual({ lang: '', language: 'foo' })
      expect(resolveLanguage('DATA.FOO')).toEqual({ lang: '', language: 'foo' })
    })

    it('names common languages GitLab lacks, with an empty lang', () => {
      expect(resolveLanguage('web/index.html')).toEqual({ lang: '', language: 'html' })
      expect(resolveLanguage('.gitlab-ci.yml')).toEqual({ lang: '', language: 'yaml' })
      expect(resolveLanguage('README.md')).toEqual({ lang: '', language: 'markdown' })
    })

    it('resolves well-known extension-less file names', () => {
      expect(resolveLanguage('Makefile')).toEqual({ lang: '', language: 'makefile' })
      expect(resolveLanguage('tools/GNUmakefile')).toEqual({ lang: '', language: 'makefile' })
      expect(resolveLanguage('Dockerfile')).toEqual({ lang: 'dockerfile', language: 'dockerfile' })
      expect(resolveLanguage('build/Containerfile')).toEqual({ lang: 'dockerfile', language: 'dockerfile' })
      expect(resolveLanguage('Gemfile')).toEqual({ lang: 'ruby', language: 'ruby' })
      expect(resolveLanguage('ci/Jenkinsfile')).toEqual({ lang: 'groovy', language: 'groovy' })
      expect(resolveLanguage('BUILD')).toEqual({ lang: 'starlark', language: 'starlark' })
      expect(resolveLanguage('WORKSPACE.bazel')).toEqual({ lang: 'starlark', language: 'starlark' })
      expect(resolveLanguage('CMakeLists.txt')).toEqual({ lang: '', language: 'cmake' })
    })

    it('resolves Dockerfile variants, unless their extension names a language', () => {
      expect(resolveLanguage('docker/Dockerfile.dev')).toEqual({ lang: 'dockerfile', language: 'dockerfile' })
      expect(resolveLanguage('Dockerfile.prod.local')).toEqual({ lang: 'dockerfile', language: 'dockerfile' })
      expect(resolveLanguage('web.Dockerfile')).toEqual({ lang: 'dockerfile', language: 'dockerfile' })
      expect(resolveLanguage('Dockerfile.js')).toEqual({ lang: 'js', language: 'javascript' })
    })

    it('matches file names case-sensitively, as conventionally written', () => {
      expect(resolveLanguage('MAKEFILE')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('gemfile')).toEqual({ lang: '', language: undefined })
    })

    it('lets the editor id name the language of a known file name', () => {
      expect(resolveLanguage('Makefile', 'makefile')).toEqual({ lang: '', language: 'makefile' })
      expect(resolveLanguage('Jenkinsfile', 'groovy')).toEqual({ lang: 'groovy', language: 'groovy' })
    })

    it('derives no language for other names without an extension', () => {
      expect(resolveLanguage('test')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('bin/run')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('trailing.')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('src/')).toEqual({ lang: '', language: undefined })
    })

    it('treats a leading-dot name as having no extension, like pathlib', () => {
      expect(resolveLanguage('.gitignore')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('.env')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('home/.bashrc')).toEqual({ lang: 'bash', language: 'bash' })
      expect(resolveLanguage('.zshrc')).toEqual({ lang: 'zsh', language: 'zsh' })
      expect(resolveLanguage('.eslintrc.json')).toEqual({ lang: '', language: 'json' })
    })

    it('reads the base name of Windows and POSIX paths, whatever dots the directories hold', () => {
      expect(resolveLanguage('src\\main.go')).toEqual({ lang: 'go', language: 'go' })
      expect(resolveLanguage('C:\\work\\app.v2\\Makefile')).toEqual({ lang: '', language: 'makefile' })
      expect(resolveLanguage('a.b/c')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('a.py\\c')).toEqual({ lang: '', language: undefined })
      expect(resolveLanguage('v1.2/lib/util.rs')).toEqual({ lang: 'rust', language: 'rust' })
    })

    it('uses the last extension only', () => {
      expect(resolveLanguage('archive.tar.gz')).toEqual({ lang: '', language: 'gz' })
      expect(resolveLanguage('user.test.ts')).toEqual({ lang: 'ts', language: 'typescript' })
    })

    describe('the table', () => {
      it('maps no extension to two languages', () => {
        expect(claimedTwice((language) => language.extensions)).toEqual([])
      })

      it('maps no editor id or file name to two languages', () => {
        expect(claimedTwice((language) => (language.editorIds ?? []).map((id) => id.toLowerCase()))).toEqual(
          [],
        )
        expect(claimedTwice((language) => language.fileNames ?? [])).toEqual([])
      })

      it('writes extensions lower-case without the dot, and names lower-case', () => {
        for (const language of LANGUAGES) {
          for (const extension of language.extensions) expect(extension).toMatch(/^[a-z0-9+_-]+$/)
          expect(language.name).toMatch(/^[a-z0-9+#-]+$/)
          expect(language.lang).toMatch(/^[a-z0-9]*$/)
        }
      })

      it('has one entry per language name and per GitLab enum member', () => {
        const names = LANGUAGES.map((language) => language.name)
        expect(new Set(names).size).toBe(names.length)
        const langs = LANGUAGES.map((language) => language.lang).filter((lang) => lang !== '')
        expect(new Set(langs).size).toBe(langs.length)
      })

      it("covers GitLab's enum", () => {
        const langs = new Set(LANGUAGES.map((language) => language.lang))
        for (const member of [
          'c',
          'cpp',
          'csharp',
          'go',
          'java',
          'js',
          'php',
          'python',
          'ruby',
          'rust',
          'scala',
          'ts',
          'kotlin',
        ]) {
          expect(langs).toContain(member)
        }
        expect(langs.size - 1).toBeGreaterThanOrEqual(100)
      })
    })
  })
}
