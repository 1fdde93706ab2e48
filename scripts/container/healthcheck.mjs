// The image's HEALTHCHECK (the runtime has no shell, curl or node_modules): exit 0 when the process
// in this container serves both of its ports: 200 on the API port's /monitoring/healthz, and
// SERVING from grpc.health.v1.Health/Check on the Agent Platform port (unless DUO_WORKFLOW_PORT=0
// turns that service off). Both live in one Node process, so a port that stops answering is the
// process failing, and GitLab's Agentic Chat would fail with it. Follows the ports, hosts and TLS
// settings; the certificates name the public host, not this local address, so they are not checked.
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'
import { connect } from 'node:http2'

const env = process.env
const TIMEOUT_MS = 4000
const on = (value) => /^(1|true|yes|on|t|y)$/i.test(value ?? '')
// A server bound to every address is reached on loopback; one bound to a single address, there.
const local = (host) => {
  const value = (host ?? '').trim()
  if (!value || value === '0.0.0.0' || value === '::') return '127.0.0.1'
  return value.includes(':') ? `[${value}]` : value
}

function checkHttp() {
  const tls = on(env.AIGW_FASTAPI__TLS__ENABLED)
  const port = Number(env.AIGW_FASTAPI__API_PORT) || 5052
  const host = local(env.AIGW_FASTAPI__API_HOST).replace(/^\[|\]$/g, '')
  return new Promise((resolve, reject) => {
    const request = (tls ? httpsGet : httpGet)(
      { host, port, path: '/monitoring/healthz', timeout: TIMEOUT_MS, rejectUnauthorized: false },
      (response) => {
        response.resume()
        if (response.statusCode === 200) resolve()
        else reject(new Error(`API port ${port}: /monitoring/healthz answered ${response.statusCode}`))
      },
    )
    request.on('timeout', () => request.destroy(new Error('timed out')))
    request.on('error', (error) => reject(new Error(`API port ${port}: ${error.message}`)))
  })
}

/** grpc.health.v1.Health/Check for the whole server (service ""), over a bare HTTP/2 session. */
function checkGrpc() {
  const raw = env.DUO_WORKFLOW_PORT?.trim()
  if (raw === '0') return Promise.resolve()
  const port = Number(raw) || 50052
  const tls = on(env.DUO_WORKFLOW_TLS__ENABLED)
  const where = `Agent Platform port ${port}`
  return new Promise((resolve, reject) => {
    const session = connect(`${tls ? 'https' : 'http'}://${local(env.DUO_WORKFLOW_HOST)}:${port}`, {
      rejectUnauthorized: false,
    })
    const fail = (message) => {
      session.destroy()
      reject(new Error(`${where}: ${message}`))
    }
    const timer = setTimeout(() => fail('timed out'), TIMEOUT_MS)
    session.on('error', (error) => fail(error.message))
    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    const chunks = []
    let status
    stream.on('response', (headers) => (status = headers['grpc-status']))
    stream.on('trailers', (trailers) => (status = trailers['grpc-status']))
    stream.on('data', (chunk) => chunks.push(chunk))
    stream.on('error', (error) => fail(error.message))
    stream.on('end', () => {
      clearTimeout(timer)
      session.close()
      // One length-prefixed HealthCheckResponse: field 1 (varint) = 1 is SERVING.
      const body = Buffer.concat(chunks)
      if (String(status) !== '0') return reject(new Error(`${where}: grpc-status ${status}`))
      if (body[5] === 0x08 && body[6] === 1) return resolve()
      reject(new Error(`${where}: not SERVING`))
    })
    stream.end(Buffer.from([0, 0, 0, 0, 0]))
  })
}

const results = await Promise.allSettled([checkHttp(), checkGrpc()])
const failures = results
  .filter((result) => result.status === 'rejected')
  .map((result) => result.reason.message)
for (const failure of failures) process.stderr.write(`healthcheck: ${failure}\n`)
process.exit(failures.length ? 1 : 0)
