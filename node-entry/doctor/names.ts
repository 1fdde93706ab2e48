/**
 * What the gateway warns about at start-up, reported by the doctor too: the Node it runs on, and
 * setting names it does not know (a misspelt AIGW_* name is ignored, so its default applies
 * without a word). An unset AIGW_GITLAB_URL is the gitlab_url check's business, not repeated here.
 */
import { settingWarnings } from '../../src/settings-warnings.ts'
import { isSupportedNode, SUPPORTED_NODE } from '../node-version.ts'
import { fail, pass, warn, type CheckResult } from './report.ts'
import type { DoctorSettings } from './settings.ts'

export function checkNodeVersion(version: string = process.versions.node): CheckResult {
  if (isSupportedNode(version))
    return pass('node_version', 'Node version', `Node ${version} (supported: ${SUPPORTED_NODE})`, { version })
  return fail(
    'node_version',
    'Node version',
    `Node ${version} cannot run the gateway: it needs ${SUPPORTED_NODE}`,
    'Run it with the Node 22 that `npm ci` installs (`npm start` does), or install a supported Node; the container image has one.',
    { version },
  )
}

export function checkSettingNames(settings: DoctorSettings): CheckResult {
  const unknown = settingWarnings(settings.env, settings.sourceOf).filter(
    (warning) => warning.kind === 'unknown',
  )
  if (unknown.length === 0) {
    return pass(
      'setting_names',
      'Setting names',
      'every AIGW_* and DUO_WORKFLOW_* variable is one the gateway reads',
    )
  }
  const list = unknown.map(
    (w) => `${w.variable}${w.source ? ` (${w.source})` : ''}${w.suggestion ? ` → ${w.suggestion}?` : ''}`,
  )
  return warn(
    'setting_names',
    'Setting names',
    `the gateway ignores ${unknown.length === 1 ? 'a variable' : `${unknown.length} variables`} it does not know: ${list.join(', ')}`,
    'Rename each to the setting it was meant to be (the nearest known name is shown), or remove it; docs/settings.md lists every setting.',
    {
      unknown: Object.fromEntries(
        unknown.map((w) => [w.variable, { source: w.source ?? null, suggestion: w.suggestion ?? null }]),
      ),
    },
  )
}
