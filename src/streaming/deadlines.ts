/**
 * The two clocks of a streamed answer, whatever its format: the time to its first output to the
 * client (AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S) and its whole duration (AIGW_UPSTREAM__STREAM_TIMEOUT_S).
 * The idle timeout alone cannot bound a stream: any byte resets it, so a model server that drips one
 * byte every few seconds (or output the client never sees: keep-alive comments, a ReAct thought that
 * never reaches an answer) would hold the request, the socket and the model call open for ever.
 *
 * One timer per stream, re-armed once when output starts, and nothing per read: when a clock runs
 * out, the stream that owns the upstream reader is told (`onExpire`, which cancels that reader, so
 * a pending read ends and the model server is freed), and its loop, seeing `expired`, ends in its
 * format's way with the timeout as the reason.
 */
import { UpstreamError } from '../model-call/upstream-error.ts'

export interface DeadlineSettings {
  /** Longest wait from the start of the call to the first output, in ms. */
  firstOutputMs: number
  /** Longest the whole answer may take, in ms. */
  totalMs: number
}

export class StreamDeadlines {
  private readonly settings: DeadlineSettings
  private readonly host: string
  private readonly started = performance.now()
  private timer: ReturnType<typeof setTimeout> | undefined
  private outputSeen = false
  private stopped = false
  private listener: ((error: UpstreamError) => void) | undefined
  /** Set once a clock has run out: the reason the stream ends. */
  expired: UpstreamError | undefined

  constructor(settings: DeadlineSettings, host: string) {
    this.settings = settings
    this.host = host
    this.arm(Math.min(settings.firstOutputMs, settings.totalMs))
  }

  /** Who to tell when a clock runs out (the owner of the upstream reader: it cancels it). */
  onExpire(listener: (error: UpstreamError) => void): void {
    this.listener = listener
    if (this.expired) listener(this.expired)
  }

  /** The client has been sent something: from now on only the whole-answer clock runs. */
  outputStarted(): void {
    if (this.outputSeen || this.stopped) return
    this.outputSeen = true
    if (this.expired) return
    this.clear()
    this.arm(this.settings.totalMs - (performance.now() - this.started))
  }

  /** The stream is over, however it ended: the clocks stop. */
  stop(): void {
    this.stopped = true
    this.clear()
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, ms))
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private expire(): void {
    this.timer = undefined
    if (this.stopped) return
    this.expired = this.outputSeen ? this.tooLong() : this.noOutput()
    this.listener?.(this.expired)
  }

  private noOutput(): UpstreamError {
    const limit = Math.min(this.settings.firstOutputMs, this.settings.totalMs)
    return new UpstreamError({
      failure: 'deadline',
      host: this.host,
      status: 504,
      message: `The model server at ${this.host} produced no output within ${seconds(limit)} s (AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S)`,
    })
  }

  private tooLong(): UpstreamError {
    return new UpstreamError({
      failure: 'deadline',
      host: this.host,
      status: 504,
      message: `The answer from the model server at ${this.host} took longer than ${seconds(this.settings.totalMs)} s (AIGW_UPSTREAM__STREAM_TIMEOUT_S)`,
    })
  }
}

function seconds(ms: number): number {
  return Number((ms / 1000).toFixed(3))
}
