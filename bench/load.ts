import autocannon from 'autocannon';

export const loadSettings = { connections: 20, durationSeconds: 10, warmupSeconds: 2 } as const;

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  totalRequests: number;
  /** Non-2xx responses, connection errors and timeouts during the measured part. */
  failures: number;
}

async function assertAnswers200(url: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status} before the load test: ${body.slice(0, 500)}`);
}

/** Runs autocannon against one URL: a warm-up, then the measured run. */
export async function measureLoad(url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  await assertAnswers200(url, headers);
  const result = await autocannon({
    url,
    headers,
    connections: loadSettings.connections,
    duration: loadSettings.durationSeconds,
    warmup: { connections: loadSettings.connections, duration: loadSettings.warmupSeconds },
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    totalRequests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
