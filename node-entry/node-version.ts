/**
 * The Node versions aigw-edge runs on, checked before anything else at start-up, so an older Node
 * gets one clear sentence instead of a failure half-way (a refused SSL_CERT_FILE, a node:sqlite
 * stack). The floor comes from what the gateway uses:
 * - `tls.setDefaultCACertificates`, which SSL_CERT_FILE / REQUESTS_CA_BUNDLE need: 22.19, and 24.5
 *   on the 24 line (Node 23 never had it);
 * - `node:sqlite` for documentation search: 22.5 (without a flag from 22.13), so within that floor.
 */
export const SUPPORTED_NODE = 'Node 22.19 or later (on Node 24: 24.5 or later)'

export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  if (major === 22) return minor >= 19
  if (major === 24) return minor >= 5
  return major >= 25
}

/** The refusal to print, or undefined when this Node is supported. */
export function unsupportedNode(version: string = process.versions.node): string | undefined {
  if (isSupportedNode(version)) return undefined
  return (
    `aigw-edge needs ${SUPPORTED_NODE}; this is Node ${version}. ` +
    '`npm start` runs the Node 22 that `npm ci` installs (the "node" dev dependency); ' +
    'to run the bundle yourself, use that one (node_modules/.bin/node) or install a supported Node.'
  )
}
