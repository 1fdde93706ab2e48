// The image's HEALTHCHECK (the runtime has no shell or curl): exit 0 when the gateway in this
// container answers 200 on /monitoring/healthz, 1 otherwise. Follows the port and TLS settings.
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'

const env = process.env
const tls = /^(1|true|yes|on)$/i.test(env.AIGW_FASTAPI__TLS__ENABLED ?? '')
const port = Number(env.AIGW_FASTAPI__API_PORT) || 5052
const get = tls ? httpsGet : httpGet
// The certificate names the public host, not 127.0.0.1: this local probe does not check it.
const request = get({ host: '127.0.0.1', port, path: '/monitoring/healthz', timeout: 4000, rejectUnauthorized: false }, (response) => {
  response.resume()
  process.exit(response.statusCode === 200 ? 0 : 1)
})
request.on('timeout', () => request.destroy(new Error('timed out')))
request.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`)
  process.exit(1)
})
