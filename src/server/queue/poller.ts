/**
 * Runs one async task every `pollMs`, never two at once; `stop()` waits for the task in flight. Shared by the job
 * queue and the webhook outbox so both shut down the same way.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get running(): boolean {
    return !this.stopped;
  }

  start(pollMs: number): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      if (this.stopped || this.inFlight) return;
      this.inFlight = this.task()
        .then(
          () => undefined,
          (error: unknown) => this.onError(error),
        )
        .finally(() => {
          this.inFlight = undefined;
        });
    };
    this.timer = setInterval(tick, pollMs);
    // A poller alone must not keep a CLI or a test process alive; the HTTP server does that for a real server.
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
