// Load generator for bench/api.ts, run as its own process so autocannon does not share the
// server's event loop. Input: one JSON argument
//   { url, paths: string[], headers: object[], connections, duration, pipelining }
// (request i uses paths[i % paths.length] with headers[i]; each connection cycles through them).
// Output: one stdout line `result <json>` with autocannon's summary.
import autocannon from "autocannon";

const spec = JSON.parse(process.argv[2] ?? "{}");
const requests = spec.headers.map((headers, i) => ({ method: "GET", path: spec.paths[i % spec.paths.length], headers }));

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  pipelining: spec.pipelining,
  requests,
});

const summary = {
  reqPerSec: result.requests.average,
  total: result.requests.total,
  p50: result.latency.p50,
  p90: result.latency.p90,
  p99: result.latency.p99,
  mean: result.latency.average,
  max: result.latency.max,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  mismatches: result.mismatches,
  bytesPerSec: result.throughput.average,
  durationS: result.duration,
  statusCodes: result.statusCodeStats,
};
process.stdout.write(`result ${JSON.stringify(summary)}\n`);
