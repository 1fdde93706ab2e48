/**
 * grpc.health.v1.Health for the Agent Platform port: SERVING for "" and "DuoWorkflow" until the
 * server starts shutting down (or is told to stop serving), as GitLab's own service does after
 * 18.9. It sits beside the DuoWorkflow service, not behind its handlers, so it needs no token:
 * it is what a load balancer or `npm run check:agent-platform` asks first.
 */
import * as grpc from '@grpc/grpc-js'
import { Status } from '../../src/agent-platform/service.ts'
import type { AgentPlatformCodecs, HealthStatus } from './codec.ts'
import { decodeOrMalformed, MALFORMED, toBuffer } from './wire.ts'

const SERVICES = ['', 'DuoWorkflow']

export interface HealthService {
  definition: grpc.ServiceDefinition
  implementation: grpc.UntypedServiceImplementation
  setServing(serving: boolean): void
  /** NOT_SERVING for good, and the open Watch calls end (they would hold a graceful shutdown open). */
  close(): void
}

type HealthRequest = { service: string } | typeof MALFORMED

export function healthService(codecs: AgentPlatformCodecs): HealthService {
  let status: HealthStatus = 'SERVING'
  let closed = false
  // Every open Watch call and the service it asked about.
  const watchers = new Map<grpc.ServerWritableStream<HealthRequest, Buffer>, string>()
  const encode = (value: HealthStatus) => toBuffer(codecs.healthCheckResponse.encode({ status: value }))
  const statusOf = (service: string): HealthStatus | undefined =>
    SERVICES.includes(service) ? status : undefined

  const method = <Response>(
    name: string,
    responseStream: boolean,
  ): grpc.MethodDefinition<HealthRequest, Response> => ({
    path: `/grpc.health.v1.Health/${name}`,
    requestStream: false,
    responseStream,
    requestDeserialize: (bytes: Buffer) => decodeOrMalformed(codecs.healthCheckRequest, bytes),
    requestSerialize: () => Buffer.alloc(0),
    responseSerialize: (bytes: Response) => bytes as Buffer,
    responseDeserialize: (bytes: Buffer) => bytes as Response,
  })

  const implementation: grpc.UntypedServiceImplementation = {
    Check(call: grpc.ServerUnaryCall<HealthRequest, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      if (call.request === MALFORMED)
        return callback({ code: Status.INVALID_ARGUMENT, details: 'Malformed HealthCheckRequest.' })
      const found = statusOf(call.request.service)
      if (!found) return callback({ code: Status.NOT_FOUND, details: 'unknown service' })
      callback(null, encode(found))
    },
    Watch(call: grpc.ServerWritableStream<HealthRequest, Buffer>) {
      if (call.request === MALFORMED)
        return call.emit('error', { code: Status.INVALID_ARGUMENT, details: 'Malformed HealthCheckRequest.' })
      const service = call.request.service
      call.write(encode(statusOf(service) ?? 'SERVICE_UNKNOWN'))
      if (closed) return void call.end()
      // Open until the client leaves, even for an unknown service, as the protocol says.
      watchers.set(call, service)
      call.on('cancelled', () => watchers.delete(call))
    },
  }

  const definition: grpc.ServiceDefinition = {
    Check: method<Buffer>('Check', false),
    Watch: method<Buffer>('Watch', true),
  }

  const setStatus = (next: HealthStatus) => {
    if (next === status) return
    status = next
    for (const [watcher, service] of watchers) {
      if (SERVICES.includes(service)) watcher.write(encode(status))
    }
  }

  return {
    definition,
    implementation,
    setServing: (serving) => {
      if (!closed) setStatus(serving ? 'SERVING' : 'NOT_SERVING')
    },
    close: () => {
      setStatus('NOT_SERVING')
      closed = true
      for (const watcher of watchers.keys()) watcher.end()
      watchers.clear()
    },
  }
}
