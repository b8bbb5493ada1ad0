/** Timing for the Node benchmarks: run a task n times one after the other and report median and p95 in ms. */
export async function timed(
  task: () => Promise<unknown>,
  iterations: number,
): Promise<{ median: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await task();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { median: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1) };
}
