// Sequential latency series: one call in flight, after a warm-up.

export interface LatencySeries {
  p50Ms: number;
  p99Ms: number;
  callsPerSecond: number;
}

const warmupCalls = 200;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

export async function series(calls: number, call: () => Promise<void>): Promise<LatencySeries> {
  for (let i = 0; i < warmupCalls; i++) await call();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const before = performance.now();
    await call();
    samples.push(performance.now() - before);
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return { p50Ms: round(percentile(samples, 0.5)), p99Ms: round(percentile(samples, 0.99)), callsPerSecond: Math.round(calls / elapsedSeconds) };
}
