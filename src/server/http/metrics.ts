/** Prometheus text exposition of HTTP request counts and durations, labelled by route pattern (never raw paths). */

const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface DurationSeries {
  buckets: number[];
  sum: number;
  count: number;
}

function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class HttpMetrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, DurationSeries>();
  private readonly feedback = new Map<string, number>();

  /** Fraud feedback submitted through this process (status and reason are fixed enums, no PII). */
  countFeedback(status: string, reason: string | undefined): void {
    const key = `status="${labelValue(status)}",reason="${labelValue(reason ?? 'NONE')}"`;
    this.feedback.set(key, (this.feedback.get(key) ?? 0) + 1);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const countKey = `method="${labelValue(method)}",route="${labelValue(route)}",status="${status}"`;
    this.requests.set(countKey, (this.requests.get(countKey) ?? 0) + 1);
    const durationKey = `method="${labelValue(method)}",route="${labelValue(route)}"`;
    let series = this.durations.get(durationKey);
    if (!series) {
      series = { buckets: DURATION_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(durationKey, series);
    }
    DURATION_BUCKETS_SECONDS.forEach((bound, i) => {
      if (seconds <= bound) series.buckets[i] += 1;
    });
    series.sum += seconds;
    series.count += 1;
  }

  render(): string {
    const lines = [
      '# HELP idv_http_requests_total HTTP requests by method, route pattern and status.',
      '# TYPE idv_http_requests_total counter',
    ];
    for (const [labels, count] of this.requests) lines.push(`idv_http_requests_total{${labels}} ${count}`);
    lines.push(
      '# HELP idv_http_request_duration_seconds HTTP request duration by method and route pattern.',
      '# TYPE idv_http_request_duration_seconds histogram',
    );
    for (const [labels, series] of this.durations) {
      DURATION_BUCKETS_SECONDS.forEach((bound, i) => {
        lines.push(`idv_http_request_duration_seconds_bucket{${labels},le="${bound}"} ${series.buckets[i]}`);
      });
      lines.push(`idv_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${series.count}`);
      lines.push(`idv_http_request_duration_seconds_sum{${labels}} ${series.sum}`);
      lines.push(`idv_http_request_duration_seconds_count{${labels}} ${series.count}`);
    }
    lines.push(
      '# HELP idv_fraud_feedback_total Fraud feedback on decisions by status and reason.',
      '# TYPE idv_fraud_feedback_total counter',
    );
    for (const [labels, count] of this.feedback) lines.push(`idv_fraud_feedback_total{${labels}} ${count}`);
    const memory = process.memoryUsage();
    lines.push(
      '# HELP idv_process_resident_memory_bytes Resident set size.',
      '# TYPE idv_process_resident_memory_bytes gauge',
      `idv_process_resident_memory_bytes ${memory.rss}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
