/**
 * The requests the benchmark sends: GitLab's headers with a real RS256 token from the fake
 * issuer (test/fakes/oidc-issuer.ts), and per row the path, body and the status every answer
 * must have. Every target gets the same headers and bodies, so the bytes on the wire match. The
 * code-completion and Duo Chat rows exist for the gateways only (the others cannot build prompts).
 */
import { REACT_ANSWER, STREAM_TEXT } from './mock-stream.ts'
import type { TargetName } from './targets.ts'

export type RowName = 'sse' | 'json' | 'healthz' | 'noop' | 'noop-nocache' | 'code' | 'chat'

/** `default`: the token every row but Duo Chat's carries; `chat`: an 18.x instance's, with the chat tools' primitives. */
export type TokenKind = 'default' | 'chat'

export interface Row {
  name: RowName
  label: string
  method: 'GET' | 'POST'
  /** The body, given the origin of the row's (fresh) mock upstream. */
  body?: (mockOrigin: string) => string
  expectStatus: number
  /** The whole answer the first request must get (checked before the load, with its content type). */
  expectText?: { text: string; contentType: string }
  /** The Duo Chat answer the first request must get: NDJSON `final_answer_delta` events whose texts make up `answer`. */
  expectChatAnswer?: { answer: string; contentType: string }
  /** The token the row's requests carry (default: `default`), and headers added to GitLab's common ones. */
  token?: TokenKind
  extraHeaders?: Readonly<Record<string, string>>
  /**
   * The row of the minimal proxy (req/s) and of direct (p50 at one connection) this row is compared
   * with (default: the same row). The code completion and the chat have no counterpart there, so
   * they are compared with the SSE rows: the same number of mock events, passed through untouched
   * or read straight.
   */
  comparedWith?: RowName
  /** false: the gateway runs with AIGW_AUTH__TOKEN_CACHE_SIZE=0. */
  tokenCache: boolean
  /** Healthz and the no-ops are compared with each other: the load generator checks each status in all three. */
  checkEveryStatus?: boolean
}

export const PROXY_PATH = '/v1/proxy/openai/v1/chat/completions'
export const CODE_PATH = '/v2/code/completions'
export const CHAT_PATH = '/v2/chat/agent'
export const NO_ROUTE_PATH = '/v1/bench-no-route'
export const INSTANCE_ID = 'bench-instance-1'

export const STREAM_BODY = JSON.stringify({
  model: 'gpt-5',
  stream: true,
  messages: [{ role: 'user', content: 'hi' }],
})
const JSON_BODY = JSON.stringify({
  model: 'gpt-5',
  stream: false,
  messages: [{ role: 'user', content: 'hi' }],
})
/** The mock holds a stream open when the last message says `/hold` (see mock-upstream.ts). */
export const HOLD_BODY = JSON.stringify({
  model: 'gpt-5',
  stream: true,
  messages: [{ role: 'user', content: '/hold' }],
})

/** What the IDE has above the cursor: about 2 KB of Python, the cursor at the start of a function body. */
const ABOVE_CURSOR = `\"\"\"Invoices and totals for the billing service.\"\"\"
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Optional

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
DEFAULT_TAX_RATE = Decimal("0.20")
PAYMENT_TERMS_DAYS = 30


class BillingError(Exception):
    \"\"\"Raised when an invoice cannot be priced.\"\"\"


@dataclass(frozen=True)
class LineItem:
    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal("0")

    def subtotal(self) -> Decimal:
        if self.quantity < 0:
            raise BillingError(f"negative quantity for {self.sku}")
        gross = self.unit_price * self.quantity
        return (gross - gross * self.discount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Invoice:
    number: str
    customer_id: int
    issued_on: date
    items: list[LineItem] = field(default_factory=list)
    tax_rate: Decimal = DEFAULT_TAX_RATE
    paid_on: Optional[date] = None

    @property
    def due_on(self) -> date:
        return self.issued_on + timedelta(days=PAYMENT_TERMS_DAYS)

    def add(self, item: LineItem) -> None:
        logger.debug("invoice %s: adding %s x %s", self.number, item.quantity, item.sku)
        self.items.append(item)

    def net(self) -> Decimal:
        return sum((item.subtotal() for item in self.items), Decimal("0"))

    def tax(self) -> Decimal:
        return (self.net() * self.tax_rate).quantize(CENT, rounding=ROUND_HALF_UP)

    def gross(self) -> Decimal:
        return self.net() + self.tax()

    def is_overdue(self, today: date) -> bool:
        return self.paid_on is None and today > self.due_on


def overdue(invoices: Iterable[Invoice], today: date) -> list[Invoice]:
    \"\"\"The unpaid invoices past their due date, oldest first.\"\"\"
    late = [invoice for invoice in invoices if invoice.is_overdue(today)]
    return sorted(late, key=lambda invoice: invoice.due_on)


def total(invoices: Iterable[Invoice]) -> Decimal:
    \"\"\"The gross amount of all invoices, rounded to the cent.\"\"\"
    `

/**
 * GitLab's self-hosted code completion as Rails forwards the IDE's request: a codestral model
 * behind an OpenAI-compatible endpoint (the row's mock), streamed.
 */
export function codeCompletionBody(mockOrigin: string): string {
  return JSON.stringify({
    project_path: 'acme/payments',
    project_id: 42,
    current_file: {
      file_name: 'app/billing.py',
      content_above_cursor: ABOVE_CURSOR,
      content_below_cursor: '\n\nprint(total([]))\n',
    },
    intent: 'completion',
    stream: true,
    model_provider: 'litellm',
    prompt_version: 2,
    prompt: null,
    model_endpoint: `${mockOrigin}/v1`,
    model_name: 'codestral',
    model_api_key: 'sk-bench',
    model_identifier: 'custom_openai/codestral-22b',
  })
}

/**
 * A Duo Chat turn as a GitLab 18.x instance sends it for a self-hosted Mistral behind an
 * OpenAI-compatible endpoint (the row's mock): an earlier exchange, then the question; no page,
 * file or additional context, so no tool step yet.
 */
export function chatBody(mockOrigin: string): string {
  const noContext = { context: null, current_file: null, additional_context: [] }
  return JSON.stringify({
    messages: [
      { role: 'user', content: 'How do I rebase my branch onto main?', ...noContext },
      {
        role: 'assistant',
        content:
          'Fetch first with `git fetch origin`, then run `git rebase origin/main` on your branch. Resolve any conflicts, `git add` the files and continue with `git rebase --continue`.',
        ...noContext,
      },
      { role: 'user', content: 'And how do I undo my last commit but keep its changes?', ...noContext },
    ],
    model_metadata: {
      provider: 'api',
      name: 'mistral',
      endpoint: `${mockOrigin}/v1`,
      api_key: 'sk-bench',
      identifier: 'custom_openai/mistralai/Mistral-7B-Instruct-v0.3',
    },
    unavailable_resources: ['Pipelines', 'Vulnerabilities'],
  })
}

/**
 * The unit primitives of an 18.x self-signed token for an instance with Duo Chat (gitlab-client
 * §4.2): chat, the tools its ReAct prompt then offers (`ask_*`, `documentation_search`), and
 * the code features.
 */
export const CHAT_SCOPES = [
  'duo_chat',
  'duo_classic_chat',
  'complete_code',
  'generate_code',
  'documentation_search',
  'ask_build',
  'ask_commit',
  'ask_epic',
  'ask_issue',
  'ask_merge_request',
  'ask_work_item',
  'include_file_context',
  'include_snippet_context',
  'include_merge_request_context',
  'include_issue_context',
  'explain_code',
  'refactor_code',
  'fix_code',
  'write_tests',
  'troubleshoot_job',
]

export const ROWS: Record<RowName, Row> = {
  sse: {
    name: 'sse',
    label: 'SSE chat completion (proxy)',
    method: 'POST',
    body: () => STREAM_BODY,
    expectStatus: 200,
    tokenCache: true,
  },
  json: {
    name: 'json',
    label: 'JSON chat completion (proxy)',
    method: 'POST',
    body: () => JSON_BODY,
    expectStatus: 200,
    tokenCache: true,
  },
  healthz: {
    name: 'healthz',
    label: 'GET /monitoring/healthz',
    method: 'GET',
    expectStatus: 200,
    tokenCache: true,
    checkEveryStatus: true,
  },
  noop: {
    name: 'noop',
    label: 'authenticated no-op, token cache on',
    method: 'POST',
    body: () => '{}',
    expectStatus: 404,
    tokenCache: true,
    checkEveryStatus: true,
  },
  'noop-nocache': {
    name: 'noop-nocache',
    label: 'authenticated no-op, token cache off',
    method: 'POST',
    body: () => '{}',
    expectStatus: 404,
    tokenCache: false,
    checkEveryStatus: true,
  },
  code: {
    name: 'code',
    label: 'code completion v2, streamed',
    method: 'POST',
    body: codeCompletionBody,
    expectStatus: 200,
    // The 20 deltas as raw text, no SSE framing.
    expectText: { text: STREAM_TEXT, contentType: 'text/event-stream; charset=utf-8' },
    tokenCache: true,
    comparedWith: 'sse',
  },
  chat: {
    name: 'chat',
    label: 'Duo Chat v2 agent, streamed',
    method: 'POST',
    body: chatBody,
    expectStatus: 200,
    expectChatAnswer: { answer: REACT_ANSWER, contentType: 'application/x-ndjson; charset=utf-8' },
    // With the tools' primitives and an 18.x version, the system prompt lists the tools, as GitLab's chat gets it.
    token: 'chat',
    extraHeaders: { 'X-Gitlab-Version': '18.2.1' },
    tokenCache: true,
    comparedWith: 'sse',
  },
}

/**
 * Which rows each target has (the mock has no health check or auth; the minimal proxy has no auth;
 * neither builds prompts, so the code completion and the chat are the gateways' only).
 */
export const TARGET_ROWS: Record<TargetName, RowName[]> = {
  direct: ['sse', 'json'],
  'minimal proxy': ['sse', 'json', 'healthz'],
  'aigw-edge node': ['sse', 'json', 'healthz', 'noop', 'noop-nocache', 'code', 'chat'],
  'aigw-edge workerd': ['sse', 'json', 'healthz', 'noop', 'noop-nocache', 'code', 'chat'],
}

/** The rows also measured at one connection (where the target has them). */
export const ONE_CONNECTION_ROWS: readonly RowName[] = ['sse', 'json', 'code', 'chat']

export function pathOf(target: TargetName, row: RowName): string {
  if (row === 'healthz') return '/monitoring/healthz'
  if (row === 'noop' || row === 'noop-nocache') return NO_ROUTE_PATH
  if (row === 'code') return CODE_PATH
  if (row === 'chat') return CHAT_PATH
  return target === 'direct' ? '/v1/chat/completions' : PROXY_PATH
}

export function gitlabHeaders(
  token: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    Authorization: `Bearer ${token}`,
    'X-Gitlab-Authentication-Type': 'oidc',
    'X-Gitlab-Realm': 'self-managed',
    'X-Gitlab-Instance-Id': INSTANCE_ID,
    'X-Gitlab-Global-User-Id': 'bench-user-1',
    'X-Gitlab-Unit-Primitive': 'duo_chat',
    'Content-Type': 'application/json',
    ...extra,
  }
}

/** A fake GitLab instance (its own tenant of the fake issuer) and the tokens it signed, valid for 1 h. */
export async function issueTokens(
  issuerUrl: string,
): Promise<{ gitlabUrl: string; tokens: Record<TokenKind, string> }> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${issuerUrl}${path}`, { method: 'POST', body: JSON.stringify(body) })
    if (!response.ok) throw new Error(`fake issuer ${path}: HTTP ${response.status}`)
    return (await response.json()) as Record<string, string>
  }
  const tenant = await post('/control/tenants', {})
  const gitlabUrl = tenant.url ?? ''
  const now = Math.floor(Date.now() / 1000)
  const sign = async (scopes: readonly string[]) => {
    const claims = {
      iss: gitlabUrl,
      sub: INSTANCE_ID,
      aud: 'gitlab-ai-gateway',
      gitlab_realm: 'self-managed',
      scopes,
      iat: now,
      nbf: now,
      exp: now + 3600,
    }
    const { token } = await post(`/control/t/${tenant.id}/sign`, { claims })
    if (!token) throw new Error('fake issuer signed no token')
    return token
  }
  return {
    gitlabUrl,
    tokens: { default: await sign(['duo_chat', 'complete_code']), chat: await sign(CHAT_SCOPES) },
  }
}
