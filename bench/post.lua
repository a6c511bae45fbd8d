-- wrk script for scenario 1's POST figure: every request creates one `test-noop` job. The token
-- comes from the environment (BATCHD_BENCH_TOKEN), so it never lands on a command line.
wrk.method = "POST"
wrk.body = '{"type":"test-noop","context":{},"dry_run":false}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-medusa-access-token"] = os.getenv("BATCHD_BENCH_TOKEN")
