/**
 * Many Agentic Chat turns at once through one process (spec §12; GitLab's service ran a few
 * sessions at ~447 MiB): 200 concurrent turns, each with a tool call and a streamed answer, all end
 * OK with their own conversation saved, none mixed up with another; then the service's Prometheus
 * metrics show them. Figures are printed, never asserted as timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Status } from '../../src/agent-platform/service.ts'
import { startHarness, toolCallStep, answerStep, mergedLog, type Harness } from './agent-platform-harness.ts'

const TURNS = 200

let h: Harness
beforeAll(async () => {
  h = await startHarness({ metrics: true })
  h.rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid', ({ params }) => ({
    statusCode: 200,
    json: { iid: Number(params.merge_request_iid), title: `MR ${params.merge_request_iid}` },
  }))
}, 30_000)
afterAll(() => h?.close())

describe(`${TURNS} concurrent turns`, () => {
  it('all end OK, each with its own conversation', async () => {
    const ids = Array.from({ length: TURNS }, () => h.rails.addWorkflow())
    const rssBefore = process.memoryUsage().rss
    const started = performance.now()
    // Every first model call gets the tool call; the answers come from a catch-all step added after.
    await h.model.script(
      ...Array.from({ length: TURNS }, () =>
        toolCallStep([
          { id: 'call_mr', name: 'get_merge_request', arguments: { project_id: 1, merge_request_iid: 5 } },
        ]),
      ),
      { ...answerStep(['Merged ', 'soon.']), times: undefined },
    )
    const results = await Promise.all(ids.map((id, i) => h.turn({ workflowID: id, goal: `Question ${i}` })))
    const seconds = (performance.now() - started) / 1000
    const rssAfter = process.memoryUsage().rss
    console.log(
      `${TURNS} turns in ${seconds.toFixed(2)} s; RSS of the test process (gateway included) ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
    )

    for (const [i, result] of results.entries()) {
      expect(result.code, result.details).toBe(Status.OK)
      const log = mergedLog(result.checkpoints)
      expect(log[0]!.content).toBe(`Question ${i}`)
      expect(log.at(-1)!.content).toBe('Merged soon.')
      expect(h.rails.workflow(ids[i]!).status).toBe('input_required')
      expect(h.rails.ruleBreaks(ids[i]!)).toEqual([])
    }
    expect(h.server.agentPlatform!.service.activeSessions).toBe(0)
  }, 120_000)

  it("the metrics endpoint shows them under GitLab's names", async () => {
    const text = await (await fetch(`${h.server.metricsUrl}/metrics`)).text()
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN)
    expect(
      value(/^agent_platform_session_start_total\{[^}]*flow_type="chat"[^}]*\} (\d+)/m),
    ).toBeGreaterThanOrEqual(TURNS)
    expect(value(/^agent_platform_session_success_total\{[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(TURNS)
    expect(
      value(/^duo_workflow_tool_call_seconds_count\{[^}]*tool_name="get_merge_request"[^}]*\} (\d+)/m),
    ).toBeGreaterThanOrEqual(TURNS)
    expect(text).toMatch(/^executor_actions_duration_seconds_count\{action_class="runHTTPRequest"\} \d+/m)
    expect(text).toMatch(/^duo_workflow_time_to_first_response_seconds_count\{/m)
    expect(text).toMatch(/^model_inferences_total\{[^}]*feature_category="duo_agent_platform"/m)
  })
})
