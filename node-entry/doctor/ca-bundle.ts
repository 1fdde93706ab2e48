/**
 * Which CAs the gateway trusts for its outbound TLS (GitLab, CustomersDot, model servers), and
 * the fix GitLab's install guide gives for its `JWKError`: a CA bundle in SSL_CERT_FILE /
 * REQUESTS_CA_BUNDLE.
 */
import { fail, pass, type CheckResult } from './report.ts'
import type { CaBundle } from './settings.ts'

const TITLE = 'CA bundle'

/** "SSL_CERT_FILE=/etc/ssl/ca.pem (1 certificate) added to Node's built-in CAs", or Node's store alone. */
export function describeCaBundle(bundle: CaBundle): string {
  const named = bundle.files.map(
    (f) => `${f.variable}=${f.file} (${f.certificates} certificate${f.certificates === 1 ? '' : 's'})`,
  )
  if (bundle.nodeExtraCaCerts) named.push(`NODE_EXTRA_CA_CERTS=${bundle.nodeExtraCaCerts}`)
  if (named.length === 0) return "Node's built-in CA store (SSL_CERT_FILE and REQUESTS_CA_BUNDLE are not set)"
  return `${named.join(' and ')} added to Node's built-in CA store`
}

export function caBundleFix(host: string): string {
  return [
    `Put the CA certificate that signed ${host}'s certificate (for a self-signed certificate: that certificate) in a PEM file,`,
    "then set SSL_CERT_FILE=/path/to/ca-bundle.pem (or REQUESTS_CA_BUNDLE, as in GitLab's install guide) for the gateway",
    '(docker run -v /path/to/ca-bundle.pem:/path/to/ca-bundle.pem:ro -e SSL_CERT_FILE=/path/to/ca-bundle.pem ...).',
    "This is the fix for the install guide's JWKError.",
  ].join('\n')
}

export function checkCaBundle(bundle: CaBundle): CheckResult {
  const details = { files: bundle.files, node_extra_ca_certs: bundle.nodeExtraCaCerts ?? null }
  if (bundle.problem) {
    const fix = /needs Node/.test(bundle.problem)
      ? 'Run on Node 22.19 or later (npm start and the container image do), or give the file in NODE_EXTRA_CA_CERTS instead.'
      : 'Point the variable at a readable PEM file holding the CA certificate(s), or unset it.'
    return fail('ca_bundle', TITLE, `${bundle.problem}; the gateway refuses to start`, fix, details)
  }
  return pass('ca_bundle', TITLE, describeCaBundle(bundle), details)
}
