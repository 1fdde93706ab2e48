/**
 * Byte compatibility of the Agent Platform codec with spec duo-workflow-contract.md §2.2: every
 * expected byte string below is built by hand from the tables' field numbers and wire types (a
 * ten-line encoder, not a protobuf library), then compared with what the server's codec encodes,
 * and decoded back. Encoding is canonical proto3 (as Go and Python write it: implicit-presence
 * scalars at their default are left out, present optional and oneof members are written).
 */
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import type { Action, ClientEvent } from '../../src/agent-platform/contract.ts'
import { agentPlatformCodecs, protoText } from '../../node-entry/agent-platform/codec.ts'

// ---- the hand encoder: varints, tags, length-delimited fields
const VARINT = 0
const LEN = 2
function varint(value: number | bigint): number[] {
  let n = BigInt.asUintN(64, BigInt(value))
  const out: number[] = []
  do {
    const byte = Number(n & 0x7fn)
    n >>= 7n
    out.push(n ? byte | 0x80 : byte)
  } while (n)
  return out
}
const tag = (field: number, wireType: number) => varint((field << 3) | wireType)
const num = (field: number, value: number | bigint | boolean) => [
  ...tag(field, VARINT),
  ...varint(typeof value === 'boolean' ? Number(value) : value),
]
const bytes = (field: number, content: number[]) => [
  ...tag(field, LEN),
  ...varint(content.length),
  ...content,
]
const str = (field: number, text: string) => bytes(field, [...new TextEncoder().encode(text)])
const msg = (field: number, ...parts: number[][]) => bytes(field, parts.flat())
const double = (field: number, value: number) => {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value, true)
  return [...tag(field, 1), ...new Uint8Array(view.buffer)]
}
const hex = (data: Uint8Array | number[]) =>
  Buffer.from(data instanceof Uint8Array ? data : Uint8Array.from(data)).toString('hex')

const codecs = agentPlatformCodecs()

/** Encodes `object` (must equal `wire`) and decodes `wire` (must equal `decoded`). */
function roundTrip<T>(
  codec: { encode(value: T): Uint8Array; decode(data: Uint8Array): T },
  object: T,
  wire: number[],
  decoded: unknown,
) {
  expect(hex(codec.encode(object))).toBe(hex(wire))
  expect(codec.decode(Uint8Array.from(wire))).toEqual(decoded)
}

const emptyStart = {
  clientVersion: '',
  workflowID: '',
  workflowDefinition: '',
  goal: '',
  workflowMetadata: '',
  clientCapabilities: [],
  mcpTools: [],
  additional_context: [],
  preapproved_tools: [],
}

describe('ClientEvent', () => {
  it('startRequest with every field of 18.9 and the later optional ones', () => {
    const start = {
      clientVersion: '1.0',
      workflowID: '1234',
      workflowDefinition: 'chat',
      goal: 'Why is the pipeline red?',
      workflowMetadata: '{"git_url":"x"}',
      clientCapabilities: ['incremental_streaming', 'shell_command'],
      mcpTools: [{ name: 'gitlab_search', description: 'Search', inputSchema: '{"type":"object"}' }],
      additional_context: [{ category: 'file', id: 'a.ts', content: 'text', metadata: '{"k":1}' }],
      approval: {},
      flowConfig: { version: 'v1', components: [{ name: 'agent', enabled: true, weight: 2.5, extra: null }] },
      flowConfigSchemaVersion: 'v1',
      preapproved_tools: ['gitlab_search'],
      flowConfigId: 'cfg-1',
      flowVersion: '1.2.3',
      streaming: false,
      resume_checkpoint_ts: '2026-02-01T00:00:00Z',
    }
    const value = (kind: number[]) => kind
    const struct = [
      ...msg(1, str(1, 'version'), msg(2, str(3, 'v1'))),
      ...msg(
        1,
        str(1, 'components'),
        msg(
          2,
          msg(
            6,
            msg(
              1,
              msg(
                5,
                msg(1, str(1, 'name'), msg(2, str(3, 'agent'))),
                msg(1, str(1, 'enabled'), msg(2, num(4, true))),
                msg(1, str(1, 'weight'), msg(2, double(2, 2.5))),
                msg(1, str(1, 'extra'), msg(2, value(num(1, 0)))),
              ),
            ),
          ),
        ),
      ),
    ]
    const wire = msg(
      1,
      str(1, '1.0'),
      str(2, '1234'),
      str(3, 'chat'),
      str(4, 'Why is the pipeline red?'),
      str(5, '{"git_url":"x"}'),
      str(6, 'incremental_streaming'),
      str(6, 'shell_command'),
      msg(8, str(1, 'gitlab_search'), str(2, 'Search'), str(3, '{"type":"object"}')),
      msg(9, str(1, 'file'), str(2, 'a.ts'), str(3, 'text'), str(4, '{"k":1}')),
      msg(10), // approval present, no decision
      msg(11, struct),
      str(12, 'v1'),
      str(13, 'gitlab_search'),
      str(14, 'cfg-1'),
      str(15, '1.2.3'),
      num(16, false), // proto3 optional: present although false
      str(17, '2026-02-01T00:00:00Z'),
    )
    roundTrip(codecs.clientEvent, { startRequest: start }, wire, { startRequest: start })
  })

  it('an empty startRequest is present, with every default filled in on decoding', () => {
    roundTrip(codecs.clientEvent, { startRequest: {} }, msg(1), { startRequest: emptyStart })
  })

  it('approval: approve, reject, neither; Approved with its post-18.9 fields', () => {
    const cases: [ClientEvent['startRequest'], number[]][] = [
      [{ ...emptyStart, approval: { approval: {} } }, msg(10, msg(1))],
      [
        { ...emptyStart, approval: { rejection: { message: 'not this file' } } },
        msg(10, msg(2, str(1, 'not this file'))),
      ],
      [{ ...emptyStart, approval: { rejection: {} } }, msg(10, msg(2))],
      [{ ...emptyStart, approval: {} }, msg(10)],
      [{ ...emptyStart }, []],
      [
        {
          ...emptyStart,
          approval: {
            approval: {
              remember_approval: false,
              tool_name: 'run_command',
              tool_args_json: '{}',
              approval_source: 'APPROVAL_SOURCE_AUTO_MODE',
              policy_ref: { origin: 'repo', file: '.gitlab/duo.yml', hash: 'abc', version: '2' },
            },
          },
        },
        msg(
          10,
          msg(
            1,
            num(1, false),
            str(2, 'run_command'),
            str(3, '{}'),
            num(4, 3),
            msg(5, str(1, 'repo'), str(2, '.gitlab/duo.yml'), str(3, 'abc'), str(4, '2')),
          ),
        ),
      ],
    ]
    for (const [start, approval] of cases)
      roundTrip(codecs.clientEvent, { startRequest: start }, msg(1, approval), { startRequest: start })
  })

  it('an approval source this contract does not name decodes as its number', () => {
    const decoded = codecs.clientEvent.decode(Uint8Array.from(msg(1, msg(10, msg(1, num(4, 9))))))
    expect(decoded.startRequest?.approval).toEqual({ approval: { approval_source: 9 } })
  })

  it('McpTool with the post-18.9 icons, annotations and trusted', () => {
    const tool = {
      name: 'read',
      description: 'Reads',
      inputSchema: '{}',
      icons: {
        items: [{ url: 'https://x/i.png', mime_type: 'image/png', sizes: ['16x16', '32x32'], theme: 'dark' }],
      },
      annotations: {
        title: 'Read',
        read_only_hint: true,
        destructive_hint: false,
        idempotent_hint: true,
        open_world_hint: false,
      },
      trusted: true,
    }
    const wire = msg(
      1,
      msg(
        8,
        str(1, 'read'),
        str(2, 'Reads'),
        str(3, '{}'),
        msg(
          4,
          msg(
            1,
            str(1, 'https://x/i.png'),
            str(2, 'image/png'),
            str(3, '16x16'),
            str(3, '32x32'),
            str(4, 'dark'),
          ),
        ),
        msg(5, str(1, 'Read'), num(2, true), num(3, false), num(4, true), num(5, false)),
        num(6, true),
      ),
    )
    roundTrip(codecs.clientEvent, { startRequest: { ...emptyStart, mcpTools: [tool] } }, wire, {
      startRequest: { ...emptyStart, mcpTools: [tool] },
    })
  })

  it('AdditionalContext with only its category: the optional members stay absent', () => {
    const start = {
      ...emptyStart,
      additional_context: [{ category: 'os_information' }, { category: 'x', content: '' }],
    }
    roundTrip(
      codecs.clientEvent,
      { startRequest: start },
      msg(1, msg(9, str(1, 'os_information')), msg(9, str(1, 'x'), str(3, ''))),
      { startRequest: start },
    )
  })

  it('actionResponse: plain text, HTTP (headers map), the legacy response, schedule notification', () => {
    const cases: [NonNullable<ClientEvent['actionResponse']>, number[]][] = [
      [
        { requestID: 'r1', plainTextResponse: { response: 'file text', error: '' } },
        [...str(1, 'r1'), ...msg(3, str(1, 'file text'))],
      ],
      [
        { requestID: 'r2', plainTextResponse: { response: 'out', error: 'exit status 1' } },
        [...str(1, 'r2'), ...msg(3, str(1, 'out'), str(2, 'exit status 1'))],
      ],
      [
        {
          requestID: 'r3',
          httpResponse: {
            headers: { 'x-next-page': '2', 'content-type': 'application/json' },
            statusCode: 200,
            body: '{}',
            error: '',
          },
        },
        [
          ...str(1, 'r3'),
          ...msg(
            4,
            msg(1, str(1, 'x-next-page'), str(2, '2')),
            msg(1, str(1, 'content-type'), str(2, 'application/json')),
            num(2, 200),
            str(3, '{}'),
          ),
        ],
      ],
      [
        { requestID: 'r4', httpResponse: { headers: {}, statusCode: 0, body: '', error: 'dial failed' } },
        [...str(1, 'r4'), ...msg(4, str(4, 'dial failed'))],
      ],
      [{ requestID: 'r5', response: 'legacy' }, [...str(1, 'r5'), ...str(2, 'legacy')]],
      [
        {
          requestID: 'r6',
          scheduleNotificationResponse: { accepted: true, reason: 'ok', fires_at: '2026-07-01T10:00:00Z' },
        },
        [...str(1, 'r6'), ...msg(5, num(1, true), str(2, 'ok'), str(3, '2026-07-01T10:00:00Z'))],
      ],
      [{ requestID: '' }, []],
    ]
    for (const [response, wire] of cases)
      roundTrip(codecs.clientEvent, { actionResponse: response }, msg(2, wire), { actionResponse: response })
  })

  it('heartbeat (int64 milliseconds above 2^32) and stopWorkflow', () => {
    roundTrip(
      codecs.clientEvent,
      { heartbeat: { timestamp: 1_760_000_000_123 } },
      msg(3, num(1, 1_760_000_000_123)),
      { heartbeat: { timestamp: 1_760_000_000_123 } },
    )
    roundTrip(codecs.clientEvent, { heartbeat: { timestamp: 0 } }, msg(3), { heartbeat: { timestamp: 0 } })
    const stop = { stopWorkflow: { reason: 'WORKHORSE_SERVER_SHUTDOWN' } }
    roundTrip(codecs.clientEvent, stop, msg(4, str(1, 'WORKHORSE_SERVER_SHUTDOWN')), stop)
  })

  it('ignores fields it does not know (a newer Workhorse), at every level', () => {
    const wire = [
      ...msg(1, str(4, 'hi'), num(99, 7), str(100, 'future'), msg(10, num(3, 1), msg(1, str(50, 'x')))),
      ...num(42, 1),
    ]
    expect(codecs.clientEvent.decode(Uint8Array.from(wire))).toEqual({
      startRequest: { ...emptyStart, goal: 'hi', approval: { approval: {} } },
    })
  })

  it('bytes that are not a ClientEvent throw (the server turns that into a status)', () => {
    expect(() => codecs.clientEvent.decode(Uint8Array.from([0x0a, 0x05, 0x01]))).toThrow()
  })
})

describe('Action', () => {
  // Every member of the oneof `action`: its field number, a payload and the payload's bytes.
  const members: [keyof Action, number, object, number[]][] = [
    [
      'runCommand',
      2,
      { program: 'ls', arguments: ['-la', 'src'], flags: [], timeout: 30000 },
      [...str(3, 'ls'), ...str(4, '-la'), ...str(4, 'src'), ...num(6, 30000)],
    ],
    [
      'runHTTPRequest',
      3,
      { method: 'PATCH', path: '/api/v4/ai/duo_workflows/workflows/1234', body: '{"status_event":"start"}' },
      [
        ...str(1, 'PATCH'),
        ...str(2, '/api/v4/ai/duo_workflows/workflows/1234'),
        ...str(3, '{"status_event":"start"}'),
      ],
    ],
    [
      'runReadFile',
      4,
      { filepath: 'src/app.ts', limit: 100, offset: 1 },
      [...str(1, 'src/app.ts'), ...num(2, 100), ...num(3, 1)],
    ],
    ['runWriteFile', 5, { filepath: 'a.txt', contents: 'hello' }, [...str(1, 'a.txt'), ...str(2, 'hello')]],
    [
      'runGitCommand',
      6,
      { command: 'log', arguments: '-1', repository_url: 'https://gitlab.example.com/a/b.git' },
      [...str(1, 'log'), ...str(2, '-1'), ...str(3, 'https://gitlab.example.com/a/b.git')],
    ],
    [
      'runEditFile',
      7,
      { filepath: 'a.ts', oldString: 'x', newString: 'y' },
      [...str(1, 'a.ts'), ...str(2, 'x'), ...str(3, 'y')],
    ],
    [
      'newCheckpoint',
      8,
      {
        status: 'RUNNING',
        checkpoint: '{"channel_values":{}}',
        goal: 'Why?',
        errors: ['e1'],
        agent_context_usage: { chat: { total_tokens: 1200, max_tokens: 200000 } },
      },
      [
        ...str(1, 'RUNNING'),
        ...str(2, '{"channel_values":{}}'),
        ...str(3, 'Why?'),
        ...str(4, 'e1'),
        ...msg(5, str(1, 'chat'), msg(2, num(1, 1200), num(2, 200000))),
      ],
    ],
    ['listDirectory', 9, { directory: 'src' }, str(1, 'src')],
    [
      'grep',
      10,
      { search_directory: '.', pattern: 'LoginForm', case_insensitive: true },
      [...str(1, '.'), ...str(2, 'LoginForm'), ...num(3, true)],
    ],
    ['findFiles', 11, { name_pattern: '*.ts' }, str(1, '*.ts')],
    [
      'runMCPTool',
      12,
      { name: 'gitlab search', args: '{"q":"x"}' },
      [...str(1, 'gitlab search'), ...str(2, '{"q":"x"}')],
    ],
    ['mkdir', 13, { directory_path: 'a/b' }, str(1, 'a/b')],
    ['runReadFiles', 14, { filepaths: ['a', 'b'] }, [...str(1, 'a'), ...str(1, 'b')]],
    ['runShellCommand', 15, { command: 'npm test', timeout: 0 }, [...str(1, 'npm test'), ...num(2, 0)]],
    [
      'trackLlmCallForSelfHosted',
      16,
      { workflowID: '1234', featureQualifiedName: 'chat', featureAiCatalogItem: false },
      [...str(1, '1234'), ...str(2, 'chat')],
    ],
    [
      'scheduleNotification',
      17,
      { task_id: 't1', condition: '{"timer":"5m"}', message: 'check' },
      [...str(1, 't1'), ...str(2, '{"timer":"5m"}'), ...str(3, 'check')],
    ],
  ]

  it.each(members)('%s is field %i', (kind, field, payload, payloadWire) => {
    const action = { requestID: '7d0c', [kind]: payload } as Action
    roundTrip(codecs.action, action, [...str(1, '7d0c'), ...msg(field, payloadWire)], action)
  })

  it('left-out members go out as defaults and come back filled in; optional ones stay absent', () => {
    const wire = [...str(1, 'r'), ...msg(8, str(1, 'INPUT_REQUIRED'))]
    expect(hex(codecs.action.encode({ requestID: 'r', newCheckpoint: { status: 'INPUT_REQUIRED' } }))).toBe(
      hex(wire),
    )
    expect(codecs.action.decode(Uint8Array.from(wire))).toEqual({
      requestID: 'r',
      newCheckpoint: {
        status: 'INPUT_REQUIRED',
        checkpoint: '',
        goal: '',
        errors: [],
        agent_context_usage: {},
      },
    })
    expect(codecs.action.decode(Uint8Array.from(msg(4, str(1, 'a'))))).toEqual({
      requestID: '',
      runReadFile: { filepath: 'a' },
    })
  })

  it('refuses an action with two members of the oneof', () => {
    expect(() =>
      codecs.action.encode({ requestID: 'r', grep: { pattern: 'x' }, mkdir: { directory_path: 'y' } }),
    ).toThrow(/more than one of action: grep, mkdir/)
  })
})

describe('unary messages', () => {
  it('GenerateToken: optional request field, int64 expiresAt, post-18.9 server_capabilities', () => {
    roundTrip(codecs.generateTokenRequest, {}, [], {})
    roundTrip(codecs.generateTokenRequest, { workflowDefinition: '' }, str(1, ''), { workflowDefinition: '' })
    const response = {
      token: 'eyJ.x.y',
      expiresAt: 1_760_003_600,
      server_capabilities: ['tool_call_approval'],
    }
    roundTrip(
      codecs.generateTokenResponse,
      response,
      [...str(1, 'eyJ.x.y'), ...num(2, 1_760_003_600), ...str(3, 'tool_call_approval')],
      response,
    )
  })

  it('ListTools: Struct tools and eval_dataset', () => {
    const response = { tools: [{ name: 'get_issue', n: 1 }], eval_dataset: [{ ok: true }] }
    const wire = [
      ...msg(
        1,
        msg(1, str(1, 'name'), msg(2, str(3, 'get_issue'))),
        msg(1, str(1, 'n'), msg(2, double(2, 1))),
      ),
      ...msg(2, msg(1, str(1, 'ok'), msg(2, num(4, true)))),
    ]
    roundTrip(codecs.listToolsResponse, response, wire, response)
    roundTrip(codecs.listToolsRequest, {}, [], {})
  })

  it('ListFlows: the filter (flow_identifier is field 4) and Struct configs', () => {
    const request = { filters: { flow_identifier: ['chat'], environment: ['ide'], version: ['v1'] } }
    roundTrip(codecs.listFlowsRequest, request, msg(1, str(2, 'ide'), str(3, 'v1'), str(4, 'chat')), request)
    roundTrip(codecs.listFlowsRequest, {}, [], {})
    roundTrip(codecs.listFlowsResponse, { configs: [{}] }, msg(1), { configs: [{}] })
  })

  it('health: HealthCheckRequest.service and the ServingStatus enum', () => {
    roundTrip(codecs.healthCheckRequest, { service: 'DuoWorkflow' }, str(1, 'DuoWorkflow'), {
      service: 'DuoWorkflow',
    })
    roundTrip(codecs.healthCheckResponse, { status: 'NOT_SERVING' }, num(1, 2), { status: 'NOT_SERVING' })
    roundTrip(codecs.healthCheckResponse, { status: 'SERVING' }, num(1, 1), { status: 'SERVING' })
  })
})

describe('contract.proto', () => {
  const root = new protobuf.Root()
  root.addJSON(protobuf.common.get('google/protobuf/struct.proto')?.nested ?? {})
  const parsed = protobuf.parse(protoText('contract.proto'), root, { keepCase: true })
  root.resolveAll()

  it('has no package (clients call /DuoWorkflow/<Method>) and the service of §2.1', () => {
    expect(parsed.package).toBeUndefined()
    const service = root.lookupService('DuoWorkflow')
    expect(Object.keys(service.methods).sort()).toEqual([
      'ExecuteWorkflow',
      'GenerateToken',
      'ListCapabilities',
      'ListFlows',
      'ListTools',
      'TrackSelfHostedExecuteWorkflow',
      'ValidateFlowConfig',
    ])
    expect(
      service.methods.ExecuteWorkflow?.requestStream && service.methods.ExecuteWorkflow.responseStream,
    ).toBe(true)
    expect(root.options).toMatchObject({
      go_package: 'gitlab.com/gitlab-org/modelops/applied-ml/code-suggestions/ai-assist/clients/gopb',
      ruby_package: 'DuoWorkflowService',
    })
  })

  it('carries the json_name of every field the tables mark "json"', () => {
    const jsonNamed: [string, string][] = [
      ['StartWorkflowRequest', 'additional_context'],
      ['StartWorkflowRequest', 'preapproved_tools'],
      ['StartWorkflowRequest', 'resume_checkpoint_ts'],
      ['RunGitCommand', 'repository_url'],
      ['Grep', 'search_directory'],
      ['Grep', 'case_insensitive'],
      ['FindFiles', 'name_pattern'],
      ['Mkdir', 'directory_path'],
      ['Approval.Approved', 'remember_approval'],
      ['Approval.Approved', 'tool_name'],
      ['Approval.Approved', 'tool_args_json'],
      ['ShellInformationContext', 'shell_name'],
      ['ShellInformationContext', 'shell_type'],
      ['ShellInformationContext', 'shell_variant'],
      ['ShellInformationContext', 'shell_environment'],
      ['ShellInformationContext', 'ssh_session'],
      ['ListToolsResponse', 'eval_dataset'],
      ['ListFlowsRequestFilter', 'flow_identifier'],
      ['ScheduleNotification', 'task_id'],
      ['ScheduleNotificationResponse', 'fires_at'],
      ['ValidateFlowConfigRequest', 'flow_config'],
    ]
    for (const [type, field] of jsonNamed)
      expect(root.lookupType(type).fields[field]?.options?.json_name, `${type}.${field}`).toBe(field)
  })

  it('reserves what the tables reserve', () => {
    expect(root.lookupType('StartWorkflowRequest').reserved).toEqual([[7, 7]])
    expect(root.lookupType('RunCommandAction').reserved).toEqual([
      [1, 1],
      [2, 2],
      'command',
      'withGitCredentials',
    ])
    expect(root.lookupType('ListFlowsRequestFilter').reserved).toEqual([[1, 1], 'name'])
  })
})
