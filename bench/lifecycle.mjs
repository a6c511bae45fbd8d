// Scenario 2 (lifecycle throughput), one run: creates N `test-noop` jobs through the API with
// `concurrency` requests in flight, waits (bounded) until every one is completed, then reads each
// job's created_at/completed_at back and prints one JSON line on stdout:
//   {"jobs":N,"jobs_per_s":…,"wall_jobs_per_s":…,"latency_ms":{"p50":…,"p99":…,"max":…},…}
// jobs_per_s uses the server's own timestamps: N / (last completed_at − first created_at).
// wall_jobs_per_s is N / (all seen completed − first POST sent), as this client saw it.
//
//   node bench/lifecycle.mjs --url http://127.0.0.1:PORT --token T --jobs N [--concurrency 32]
//                            [--timeout-s 120]
// Node's own node:http; no npm packages. Exits non-zero (with a message on stderr) when a create fails,
// a job fails, or the jobs are not all completed in time.

import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const base = args.url;
const token = args.token;
const total = Number(args.jobs ?? 1000);
const concurrency = Number(args.concurrency ?? 32);
const timeoutMs = Number(args['timeout-s'] ?? 120) * 1000;
if (!base || !token || !(total > 0)) {
  console.error('usage: lifecycle.mjs --url URL --token TOKEN --jobs N [--concurrency C] [--timeout-s S]');
  process.exit(2);
}
const headers = { 'x-medusa-access-token': token, 'content-type': 'application/json' };
const body = JSON.stringify({ type: 'test-noop', context: {}, dry_run: false });

// node:http with a keep-alive agent rather than fetch: fetch costs this client several times the
// CPU per request, and on a 2-core machine the client then measures itself instead of batchd.
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(base);

function call(method, path, payload) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, method, path, agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode < 200 || res.statusCode > 299) {
            reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// A count of jobs whose timestamp column is set (any date after 2000).
async function countSet(column) {
  const page = await call('GET', `/admin/batch-jobs?limit=1&fields=id&${column}[gt]=2000-01-01T00:00:00.000Z`);
  return page.count;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const started = performance.now();
  let next = 0;
  const createLoop = async () => {
    while (next < total) {
      next += 1;
      await call('POST', '/admin/batch-jobs', body);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, createLoop));
  const created = performance.now();

  let completed = 0;
  for (;;) {
    completed = await countSet('completed_at');
    if (completed >= total) break;
    const failed = await countSet('failed_at');
    if (failed > 0) throw new Error(`${failed} jobs failed`);
    if (performance.now() - started > timeoutMs) {
      throw new Error(`only ${completed} of ${total} jobs completed within ${timeoutMs / 1000} s`);
    }
    await sleep(20);
  }
  const done = performance.now();

  const latencies = [];
  let firstCreated = Infinity;
  let lastCompleted = -Infinity;
  for (let offset = 0; offset < total; offset += 1000) {
    const page = await call(
      'GET',
      `/admin/batch-jobs?limit=1000&offset=${offset}&order=created_at&fields=id,created_at,completed_at`,
    );
    for (const job of page.batch_jobs) {
      const createdAt = Date.parse(job.created_at);
      const completedAt = Date.parse(job.completed_at);
      firstCreated = Math.min(firstCreated, createdAt);
      lastCompleted = Math.max(lastCompleted, completedAt);
      latencies.push(completedAt - createdAt);
    }
  }
  if (latencies.length !== total) throw new Error(`read back ${latencies.length} jobs, expected ${total}`);
  latencies.sort((a, b) => a - b);
  const spanMs = Math.max(1, lastCompleted - firstCreated);
  const result = {
    jobs: total,
    concurrency,
    jobs_per_s: (total * 1000) / spanMs,
    wall_jobs_per_s: (total * 1000) / (done - started),
    create_per_s: (total * 1000) / (created - started),
    latency_ms: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) },
    span_ms: spanMs,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((error) => {
  console.error(`lifecycle: ${error.message}`);
  process.exit(1);
});
