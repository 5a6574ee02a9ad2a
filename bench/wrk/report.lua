-- wrk calls done() once at the end: print one line the bench parses (latencies in microseconds).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "mean_us": %.1f, "stdev_us": %.1f, '
    .. '"p50_us": %.0f, "p90_us": %.0f, "p95_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
    .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
