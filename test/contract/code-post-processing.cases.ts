/**
 * Post-processing of code-generation output (src/code/post-processing.ts) against GitLab's AI
 * gateway: the input/output pairs of its tests (test_clean_model_reflection.py, test_other_ops.py,
 * the streaming post-processor's tests) and further cases whose expected values were produced by
 * running the gateway's own Python functions on the same inputs.
 */
import { describe, expect, it } from 'vitest'
import {
  blankIfWhitespace,
  cleanModelReflection,
  findCommonLines,
  LineBufferedFenceStripper,
  postProcessGeneration,
  prependNewline,
  splitCodeLines,
  stripCodeFences,
  unescapeUnderscores,
} from '../../src/code/post-processing.ts'

const lines = (...parts: string[]) => parts.join('\n')
const FENCE = '```'

// Fixtures of the gateway's test_clean_model_reflection.py (Python `"""...""".strip("\n")`
// where the original strips; `\\n` there, as here, is a backslash and an n).
const PREFIX_JS_1 = lines('// This code has a filename of test-2.js and is written in JavaScript.', 'testing')
const COMPLETION_JS_1_1 = lines(
  'only',
  '// This code has a filename of test-2.js and is written in JavaScript.',
  'testingonly',
)
const COMPLETION_JS_1_2 = 'only'
const COMPLETION_JS_1_3 = lines('only', '', 'const another_function = () => {} ')
const PREFIX_JS_2 = lines(
  '// this will be a function to read an address',
  '',
  'const readAddress = (address) => {',
  '    return new Promise((resolve, reject) => {',
  '        loadFile(address)',
  '       .then((data) => {',
  '            resolve(data);',
  '       })',
  '      .catch ((err) => {',
  '          reject(err);',
  '      });',
  '    });',
  '};',
  '',
)
const COMPLETION_JS_2_1 = lines(
  '',
  '',
  '',
  '// this will be a function to read an address',
  '',
  'const readAddress = (address) => {',
  '',
)
const JS_3_BODY = [
  ' // This code has a filename of test.js and is written in JavaScript.',
  'import testing;',
  '',
  'const newFunctionForValidatingEmail = (email) => {',
  '  return emailRegex.test(email);',
  '}',
  '',
  '// For the mask XYZ',
  'const writeStringBackwards = (inpStr) => {',
]
const PREFIX_JS_3 = lines(
  '',
  ...JS_3_BODY,
  '  let outStr = "";',
  '  for (let i = inpStr.length - 1; i >= 0; i--) {',
  '    outStr += inpStr[i];',
  '  }',
  '  return outStr;',
  '}',
  '',
  'export {',
  '',
)
const COMPLETION_JS_3_1 = lines(
  ' newFunctionForValidatingEmail, writeStringBackwards };',
  '',
  '// This code has a filename of test.js and is written in JavaScript.',
  'import testing;',
)
const PREFIX_JS_4 = lines(
  ...JS_3_BODY,
  "  let outStr = '';",
  '  for (let i = inpStr.length - 1; i >= 0; i--) {',
  '    outStr += inpStr[i];',
  '  }',
  '  return outSt',
)
const COMPLETION_JS_4_1 = "r;\\n}\\n\\nconst maskXYZ = (inpStr) => {\\n  let outStr = '';"
const PREFIX_PY_1 = lines(
  '# This code has a filename of app.py and is written in Python.',
  'def print_hello_world():',
  '    print("Hello World!")',
  '\t',
)
const COMPLETION_PY_1_1 = lines(
  '',
  '# This code has a filename of app.py and is written in Python.',
  'def print_hello_world():',
  '    print("Hello World!")',
  '',
)
const PREFIX_PY_2 = lines(
  '# This code has a filename of app.py and is written in Python.',
  'def print_hello_world():',
  '\t',
)
const COMPLETION_PY_2_1 = lines(
  '# This code has a filename of app.py and is written in Python.',
  '\tprint("hello world")',
)
const PREFIX_RUBY_1 = lines(
  '',
  '# frozen_string_literal: true                    ',
  '                                                 ',
  "require 'carrierwave/orm/activerecord'           ",
  '                                                 ',
  'class Project < ApplicationRecord',
  '  include Gitlab::ConfigHelper',
  '  include Gitlab::VisibilityLevel',
  '',
  '  def print_name',
  '    puts name',
  '  end',
  '',
  '# Create new code for the following description: method which checks if name is valid',
  '',
)
const COMPLETION_RUBY_1_1 = lines(
  '',
  'def valid_name?',
  '  name.present? && name.length <= 255',
  'end',
  '',
  '# Create new code for the following description: method which checks if name is valid',
  '',
)

// Five lines of few distinct characters and no code punctuation: a "large" repeated block.
const LOW_DIVERSITY_BLOCK = lines(
  'foo bar foo bar',
  'bar foo bar foo',
  'foo bar foo bar',
  'bar foo bar foo',
  'foo bar foo bar',
  '',
)

/** Runs a stripper over the deltas: what push() returned, call by call, then end(). */
function stream(deltas: string[]): { pushed: string[][]; rest: string; text: string } {
  const stripper = new LineBufferedFenceStripper()
  const pushed = deltas.map((delta) => stripper.push(delta))
  const rest = stripper.end()
  return { pushed, rest, text: pushed.flat().join('') + rest }
}

/** The gateway's StreamingPostProcessor loop, as a test oracle: buffer, split at each \n, flush. */
function referenceStream(deltas: string[]): string[] {
  const out: string[] = []
  let buffer = ''
  for (const delta of deltas) {
    buffer += delta
    for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
      out.push(stripCodeFences(buffer.slice(0, newline + 1)))
      buffer = buffer.slice(newline + 1)
    }
  }
  if (buffer) out.push(stripCodeFences(buffer))
  return out
}

/** Every way to cut `text` into `pieces` deltas (empty deltas included). */
function splits(text: string, pieces: number): string[][] {
  if (pieces === 1) return [[text]]
  const result: string[][] = []
  for (let cut = 0; cut <= text.length; cut++) {
    for (const rest of splits(text.slice(cut), pieces - 1)) result.push([text.slice(0, cut), ...rest])
  }
  return result
}

export function codePostProcessingCases(runtime: 'node' | 'workerd') {
  describe(`code post-processing [${runtime}]`, () => {
    describe('postProcessGeneration (the self-hosted pipeline)', () => {
      it("gives GitLab's pinned example: prefix 'foo', output 'foo' -> '\\nfoo'", () => {
        expect(postProcessGeneration('foo', 'foo')).toBe('\nfoo')
      })

      it('strips the fences before prepending the newline and cleaning reflection', () => {
        expect(postProcessGeneration('const a = ', `${FENCE}ts\n1\n${FENCE}`)).toBe('\n1\n')
        expect(postProcessGeneration('x\n', `${FENCE}python\nx = 1\n${FENCE}\n`)).toBe('x = 1\n')
      })

      it('drops a single-line comment the model repeated from the prefix', () => {
        expect(
          postProcessGeneration(
            '# add two numbers\ndef add(a, b):\n',
            '# add two numbers\n    return a + b\n',
          ),
        ).toBe('\n    return a + b\n')
      })

      it('keeps a repeated line that is not a comment', () => {
        expect(postProcessGeneration('x = 1\nreturn x\n', 'return x\n')).toBe('return x\n')
      })

      it('drops a repeated large low-diversity block (5 lines) and keeps the same block of 4', () => {
        expect(
          postProcessGeneration(`start\n${LOW_DIVERSITY_BLOCK}end\n`, `${LOW_DIVERSITY_BLOCK}new line\n`),
        ).toBe('\nnew line\n')
        const four = lines('foo bar foo bar', 'bar foo bar foo', 'foo bar foo bar', 'bar foo bar foo', '')
        expect(postProcessGeneration(`start\n${four}end\n`, `${four}new line\n`)).toBe(`${four}new line\n`)
      })

      it('keeps a repeated block of 5 lines when it looks like code (>= 25% special characters)', () => {
        const code = 'f(a);\ng(b);\nh(c);\nf(a);\ng(b);\n'
        expect(postProcessGeneration(`start\n${code}`, `${code}done\n`)).toBe(`${code}done\n`)
      })

      it('keeps a repeated low-diversity block of 5 lines when it has >= 25% special characters', () => {
        const code = 'x(x);\ny(y);\nx(x);\ny(y);\nx(x);\n'
        expect(postProcessGeneration(`start\n${code}end\n`, `${code}done\n`)).toBe(`${code}done\n`)
        const plain = 'xx\nyy\nxx\nyy\nxx\n'
        expect(postProcessGeneration(`start\n${plain}end\n`, `${plain}done\n`)).toBe('\ndone\n')
      })

      it('compares lines stripped of Python whitespace (\x1f is, U+FEFF is not)', () => {
        expect(cleanModelReflection('# note\x1f\nx = 1\n', '# note\ny\n')).toBe('\ny\n')
        expect(cleanModelReflection('# note\ufeff\nx = 1\n', '# note\ny\n')).toBe('# note\ny\n')
      })

      it('keeps a repeated block of 5 lines when its characters are diverse (>= 35% distinct)', () => {
        const diverse = 'abc\ndef\nghi\njkl\nmno\n'
        expect(postProcessGeneration(`start\n${diverse}`, `${diverse}done\n`)).toBe(`${diverse}done\n`)
      })

      it('handles CRLF text as the reference does (CRLF fences are not fences; lines compare without the \\r)', () => {
        expect(postProcessGeneration('a\r\nb\r\n', 'b\r\nc')).toBe('b\r\nc')
        expect(postProcessGeneration('x\r\n', `${FENCE}python\r\nx = 1\r\n${FENCE}`)).toBe(
          `${FENCE}python\r\nx = 1\r\n`,
        )
        // A group spans the unmatched line between two matched ones, so the comment is kept (reference quirk).
        expect(postProcessGeneration('a\r\n# note\r\n', '# note\r\nc\r\n')).toBe('# note\r\nc\r\n')
      })

      it('adds a \\n after a lone \\r line break, as the reference (splitlines, then rstrip("\\n")) does', () => {
        expect(postProcessGeneration('x', 'y\rz')).toBe('\ny\r\nz')
        expect(cleanModelReflection('x', '\ny\vz')).toBe('\ny\v\nz')
      })

      it('blanks whitespace-only results, keeps the empty string, and uses Python whitespace', () => {
        expect(postProcessGeneration('', '   \n\t')).toBe('')
        expect(postProcessGeneration('x', '')).toBe('')
        expect(postProcessGeneration('x', FENCE)).toBe('')
        // U+FEFF is not whitespace to Python (it is to JS's trim).
        expect(postProcessGeneration('x\n', '\ufeff')).toBe('\ufeff')
      })
    })

    describe('stripCodeFences', () => {
      // test_other_ops.py, test_strip_code_block_markdown
      it.each([
        ['first line\nsecond line', 'first line\nsecond line'],
        ['```\nfirst line\nsecond line```', 'first line\nsecond line'],
        ['```unk\nfirst line\nsecond line```', 'first line\nsecond line'],
        ['```unk\nfirst line\nsecond line', 'first line\nsecond line'],
        ['\nfirst line\nsecond line```', '\nfirst line\nsecond line'],
        ['```python\none line```', 'one line'],
        ['```TypeScript\none line```', 'one line'],
        ['```java_script\none line```', 'one line'],
        ['```unknown_lang_123\none line```', 'one line'],
      ])("gives the gateway's result for %j", (text, expected) => {
        expect(stripCodeFences(text)).toBe(expected)
      })

      it('removes fence lines at the start, in the middle and at the end', () => {
        expect(stripCodeFences('```js\nconst a = 1\n')).toBe('const a = 1\n')
        expect(stripCodeFences('a\n```js\nb\n```\nc')).toBe('a\nb\nc')
        expect(stripCodeFences('a\nb\n```\n')).toBe('a\nb\n')
        expect(stripCodeFences('```python\nfirst\n```\n```python\nsecond\n```')).toBe('first\nsecond\n')
      })

      it('strips a closing fence without a newline, and any trailing backticks', () => {
        expect(stripCodeFences('x\n```')).toBe('x\n')
        expect(stripCodeFences('x = `a`')).toBe('x = `a')
        expect(stripCodeFences('```')).toBe('')
      })

      it('leaves fences that are not at a line start, or have a space before the newline', () => {
        expect(stripCodeFences('a```\nb')).toBe('a```\nb')
        expect(stripCodeFences(' ```\nb\n')).toBe(' ```\nb\n')
        expect(stripCodeFences('``` py\nb\n')).toBe('``` py\nb\n')
        // Python's MULTILINE ^ follows only \n, not \r.
        expect(stripCodeFences('a\r```\nb')).toBe('a\r```\nb')
      })
    })

    describe('prependNewline', () => {
      // test_other_ops.py, test_prepend_new_line
      it.each([
        ['', '', ''],
        ['code context', '', ''],
        ['code context', '\ncompletion', '\ncompletion'],
        ['code context', 'completion', '\ncompletion'],
        ['code context\n', 'completion', 'completion'],
      ])("gives the gateway's result for (%j, %j)", (prefix, text, expected) => {
        expect(prependNewline(prefix, text)).toBe(expected)
      })
    })

    describe('cleanModelReflection', () => {
      // test_clean_model_reflection.py: context, completion, min_block_size, expected
      it.each([
        ['JS 1.1', PREFIX_JS_1, COMPLETION_JS_1_1, 2, 'only\n'],
        ['JS 1.2', PREFIX_JS_1, COMPLETION_JS_1_2, 2, 'only'],
        ['JS 1.3', PREFIX_JS_1, COMPLETION_JS_1_3, 2, COMPLETION_JS_1_3],
        ['JS 2.1', PREFIX_JS_2, COMPLETION_JS_2_1, 3, '\n\n\n'],
        [
          'JS 3.1',
          PREFIX_JS_3,
          COMPLETION_JS_3_1,
          3,
          ' newFunctionForValidatingEmail, writeStringBackwards };',
        ],
        ['JS 4.1', PREFIX_JS_4, COMPLETION_JS_4_1, 3, COMPLETION_JS_4_1],
        ['Python 1.1', PREFIX_PY_1, COMPLETION_PY_1_1, 3, ''],
        ['Python 2.1', PREFIX_PY_2, COMPLETION_PY_2_1, 3, '\n\tprint("hello world")'],
        ['Ruby 1.1', PREFIX_RUBY_1, COMPLETION_RUBY_1_1, 5, COMPLETION_RUBY_1_1],
        ['blank', '   ', '', 3, ''],
        ['whitespace lines', 'def hello_world():', '\n\n  ', 3, '\n\n  '],
      ])("gives the gateway's result for %s", (_name, prefix, completion, minBlockSize, expected) => {
        expect(cleanModelReflection(prefix, completion, { minBlockSize })).toBe(expected)
      })

      it('uses a minimum block of 5 by default', () => {
        expect(cleanModelReflection(PREFIX_JS_1, COMPLETION_JS_1_1)).toBe(COMPLETION_JS_1_1)
        expect(cleanModelReflection(PREFIX_JS_1, COMPLETION_JS_1_1, { minBlockSize: 2 })).toBe('only\n')
      })

      it('never touches the line being completed', () => {
        expect(cleanModelReflection('# note\nx', ' = 1')).toBe(' = 1')
        // The first line is kept though it repeats the comment; the second copy goes.
        expect(cleanModelReflection('# note\nx', '# note\n# note\n')).toBe('# note\n\n')
        expect(cleanModelReflection('# note\nx', ' = 1\n# note')).toBe(' = 1\n')
      })
    })

    describe('line grouping', () => {
      it("gives find_common_lines' documented example", () => {
        expect(findCommonLines(['abc', 'def', 'g'], ['abc', 'def', 'c', 'abc'])).toEqual([[0, 1], [3]])
      })

      it('prefers the longest run, then the first source line, for each target line', () => {
        expect(findCommonLines(['a', 'x', 'a', 'b'], ['a', 'b'])).toEqual([[0, 1]])
        expect(findCommonLines(['a', 'a'], ['a'])).toEqual([[0]])
        expect(findCommonLines(['a', 'b', 'c'], ['c', 'b', 'a'])).toEqual([[0], [1], [2]])
        expect(findCommonLines([], ['a'])).toEqual([])
        expect(findCommonLines(['a'], [])).toEqual([])
      })

      it("splits code lines as the reference's _split_code_lines", () => {
        expect(splitCodeLines('a\nb\n')).toEqual(['a', '\nb', '\n'])
        expect(splitCodeLines('a\r\nb')).toEqual(['a\r', '\nb'])
        expect(splitCodeLines('a\rb\r')).toEqual(['a\r', '\nb\r'])
        expect(splitCodeLines('')).toEqual([])
      })
    })

    describe('blankIfWhitespace and unescapeUnderscores', () => {
      it('blanks only non-empty all-whitespace text (Python str.isspace)', () => {
        expect(blankIfWhitespace(' \t\n\r\v\f\x1c\x85\u00a0\u3000')).toBe('')
        expect(blankIfWhitespace('')).toBe('')
        expect(blankIfWhitespace(' x ')).toBe(' x ')
        expect(blankIfWhitespace('\ufeff')).toBe('\ufeff')
        expect(blankIfWhitespace('```\n')).toBe('```\n')
      })

      it('turns every \\_ into _', () => {
        expect(unescapeUnderscores('def my\\_func(\\_\\_x):')).toBe('def my_func(__x):')
        expect(unescapeUnderscores('a_b \\n')).toBe('a_b \\n')
      })
    })

    describe('LineBufferedFenceStripper (streaming)', () => {
      // test_streaming_post_processor.py, test_strips_fences: deltas, concatenated output
      it.each([
        [['hello ', 'world!'], 'hello world!'],
        [['```cpp\n', 'int main() { return 0; }\n', '```'], 'int main() { return 0; }\n'],
        [['```\nint x = 1;\n```'], 'int x = 1;\n'],
        [['```\n', 'code\n', '```'], 'code\n'],
        [['int x = 1;\n', '```'], 'int x = 1;\n'],
        [['```\n', '```'], ''],
      ])("gives the gateway's result for %j", (deltas, expected) => {
        expect(stream(deltas).text).toBe(expected)
      })

      it('returns nothing for an empty stream', () => {
        expect(stream([])).toEqual({ pushed: [], rest: '', text: '' })
      })

      it('strips a leading fence that arrives one token at a time', () => {
        const { pushed, rest } = stream(['```', 'cpp', '\n', 'void f() {}\n', '```'])
        expect(pushed).toEqual([[], [], [], ['void f() {}\n'], []])
        expect(rest).toBe('')
      })

      it('flushes the partial line at end(), as on an upstream failure', () => {
        const stripper = new LineBufferedFenceStripper()
        expect(stripper.push('int x = ')).toEqual([])
        expect(stripper.end()).toBe('int x = ')
        expect(stripper.end()).toBe('')
      })

      it('handles deltas split inside a fence and inside lines', () => {
        const { pushed, rest } = stream(['``', '`py', 'thon\nco', 'de\n``', '`'])
        expect(pushed).toEqual([[], [], [], ['code\n'], []])
        expect(rest).toBe('')
      })

      it('returns every line of a delta holding several, in order, each ending in \\n', () => {
        const stripper = new LineBufferedFenceStripper()
        expect(stripper.push('a = 1\nb = 2\n```\nc = 3\nd')).toEqual(['a = 1\n', 'b = 2\n', 'c = 3\n'])
        expect(stripper.push(' = 4\n\n')).toEqual(['d = 4\n', '\n'])
        expect(stripper.end()).toBe('')
      })

      it('keeps the lines the reference keeps (CRLF fence, fence with a trailing space)', () => {
        const { pushed, rest } = stream(['a\r\n```py\r\n', 'b\n``` \n```'])
        expect(pushed).toEqual([
          ['a\r\n', '```py\r\n'],
          ['b\n', '``` \n'],
        ])
        expect(rest).toBe('')
      })

      it("matches the reference streaming processor's output, and the non-streaming fence strip, for every split", () => {
        const text = '```js\nconst a = `x`;\n```\nb``\n```'
        for (const pieces of [1, 2, 3]) {
          for (const deltas of splits(text, pieces)) {
            const { pushed, rest, text: joined } = stream(deltas)
            const emitted = [...pushed.flat(), ...(rest ? [rest] : [])]
            expect(emitted).toEqual(referenceStream(deltas).filter((chunk) => chunk !== ''))
            expect(joined).toBe(stripCodeFences(text))
          }
        }
        expect(stripCodeFences(text)).toBe('const a = `x`;\nb``\n')
      })
    })
  })
}
