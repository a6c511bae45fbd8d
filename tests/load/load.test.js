'use strict';
// Load (issue #7): 10,000 jobs created by 64 concurrent keep-alive clients while the workers run,
// with reads mixed in. Then: every job completed, none processed twice (the test-count plugin logs
// each processed unit as "<job id> <unit>": every id must appear exactly once), no 5xx (the
// clients' own tally and the server's /metrics), and the heap back within a tolerance of its
// baseline. Prints one `load <store>: …` line of numbers per store.
//
// Stores: always the embedded default (SQLite, `serve` with in-process workers); PostgreSQL + Redis
// with `serve --no-workers` and 2 `batchd worker` processes when BATCHD_TEST_PG_URL (or a
// postgres DATABASE_URL) and BATCHD_TEST_REDIS_URL are set (tests/chaos/lib/cluster.js starts them).
//
// Environment: BATCHD_BIN, BATCHD_TEST_PLUGIN as for the api tests; LOAD_JOBS (default 10000) and
// LOAD_CLIENTS (default 64) to try other sizes by hand.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const { startBatchd } = require('../api/lib/batchd.js');
const { startCluster } = require('../chaos/lib/cluster.js');

const JOBS = Number(process.env.LOAD_JOBS || 10_000);
const CLIENTS = Number(process.env.LOAD_CLIENTS || 64);
const WARMUP_JOBS = 640;  // 10 per client: fills the pools and free lists before the baseline
// Completed jobs loaded before the SQLite server starts. SQLite's page cache (2 MB per connection,
// 5 connections by default) fills as the file grows and drops a reader's pages whenever the file
// changed: up to 10 MB that come and go with the file's size. With the table above 2 MB from the
// start, and every reader made to scan it before each reading (saturate), both readings see full
// caches, and what is left of the difference is the writer's cache (≈1 MB) and noise.
const PRELOADED_JOBS = 6_000;
// Heap growth allowed over the 10,000 jobs. A leak of 1 KB per job adds 10 MB. The API process of
// the PostgreSQL cluster holds no cache that grows with the data (measured: +3 KB over 10,000 jobs),
// so 2 MB there catches 0.2 KB per job; on SQLite the writer's page cache and the readers' refills
// measured up to +4.3 MB, so 8 MB there catches 0.8 KB per job.
const HEAP_TOLERANCE_BYTES = { SQLite: 8 * 1024 * 1024, PostgreSQL: 2 * 1024 * 1024 };
const DRAIN_TIMEOUT_MS = 240_000;
const SETTLE_MS = 2_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes) => (bytes / (1024 * 1024)).toFixed(1);

/// One HTTP/1.1 client with a keep-alive connection of its own.
function makeClient(baseUrl, token) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method, urlPath, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = { accept: 'application/json' };
      if (token) headers['x-medusa-access-token'] = token;
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = http.request({ host: url.hostname, port: url.port, method, path: urlPath, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${urlPath}: no answer within 60 s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  return { request, close: () => agent.destroy() };
}

/// The samples of a Prometheus text, by name with labels: { 'batchd_jobs{status="completed"}': 3, … }.
function parseMetrics(text) {
  const samples = {};
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return samples;
}

async function scrape(client) {
  const res = await client.request('GET', '/metrics');
  assert.equal(res.status, 200, `/metrics answered ${res.status}: ${res.text}`);
  return parseMetrics(res.text);
}

const STATUSES = ['created', 'pre_processed', 'confirmed', 'processing', 'completed', 'canceled', 'failed'];
const jobsBy = (metrics) => Object.fromEntries(STATUSES.map((s) => [s, metrics[`batchd_jobs{status="${s}"}`] ?? NaN]));

/**
 * `total` creates of test-count jobs spread over `clients`, each client in turn: create, and after
 * every other create a GET of one of its jobs, after every eighth a list. Resolves the created ids,
 * the statuses seen by class ({ '2xx': n, … }), transport errors and timings.
 */
async function burst(clients, total, unitLog) {
  const ids = [];
  const classes = {};
  const errors = [];
  const unexpected = [];
  let requests = 0;
  const tally = (res, what) => {
    ++requests;
    const cls = `${Math.floor(res.status / 100)}xx`;
    classes[cls] = (classes[cls] || 0) + 1;
    if (res.status >= 300 && unexpected.length < 10) unexpected.push(`${what} -> ${res.status} ${res.text.slice(0, 200)}`);
  };
  const started = Date.now();
  let next = 0;
  await Promise.all(
    clients.map(async (client, index) => {
      const mine = [];
      for (let i = 0; ; ++i) {
        if (next >= total) return;
        ++next;
        try {
          const res = await client.request('POST', '/admin/batch-jobs', {
            type: 'test-count',
            context: { n: 1, unit_log: unitLog },
          });
          tally(res, 'create');
          if (res.status === 201 || res.status === 200) {
            const id = JSON.parse(res.text).batch_job.id;
            mine.push(id);
            ids.push(id);
          }
          if (i % 2 === 1 && mine.length > 0) {
            const id = mine[(i * 7 + index) % mine.length];
            tally(await client.request('GET', `/admin/batch-jobs/${id}`), 'get');
          }
          if (i % 8 === 7) {
            tally(await client.request('GET', `/admin/batch-jobs?limit=10&offset=${i % 40}`), 'list');
          }
        } catch (error) {
          errors.push(error.message);
          if (errors.length > 20) throw new Error(`too many transport errors: ${errors.slice(0, 5).join('; ')}`);
        }
      }
    }),
  );
  return { ids, classes, errors, unexpected, requests, ms: Date.now() - started };
}

/// Waits until every job is in a final status; resolves the counts by status and the time taken.
async function drain(client, expected) {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    const jobs = jobsBy(await scrape(client));
    const final = jobs.completed + jobs.canceled + jobs.failed;
    if (final >= expected) return { jobs, ms: Date.now() - started };
    if (Date.now() - started > DRAIN_TIMEOUT_MS) {
      throw new Error(`only ${final} of ${expected} jobs final after ${DRAIN_TIMEOUT_MS} ms: ${JSON.stringify(jobs)}`);
    }
    if (Date.now() - lastReport > 15_000) {
      console.log(`  … ${final}/${expected} final after ${Math.round((Date.now() - started) / 1000)} s`);
      lastReport = Date.now();
    }
    await sleep(500);
  }
}

/// Every client lists with a filter that no index serves, so that each store reader scans the whole
/// job table and holds a full page cache (see PRELOADED_JOBS).
async function saturate(clients) {
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < 2; ++i) {
        const res = await client.request('GET', '/admin/batch-jobs?type%5B0%5D=test-count&limit=1');
        assert.equal(res.status, 200, `list answered ${res.status}: ${res.text}`);
      }
    }),
  );
}

/// The heap after a pause: the least of three readings (a scrape's own allocations come and go).
async function settledHeap(client, clients) {
  await sleep(SETTLE_MS);
  await saturate(clients);
  const readings = [];
  for (let i = 0; i < 3; ++i) {
    const metrics = await scrape(client);
    readings.push({ heap: metrics.batchd_heap_allocated_bytes, rss: metrics.batchd_process_resident_bytes });
    await sleep(300);
  }
  return {
    heap: Math.min(...readings.map((r) => r.heap)),
    rss: Math.min(...readings.map((r) => r.rss)),
  };
}

/// Every id once in the unit log, each with unit 0, and nothing else in it.
function auditUnitLog(unitLog, ids) {
  const text = fs.existsSync(unitLog) ? fs.readFileSync(unitLog, 'utf8') : '';
  const seen = new Map();
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const match = /^(\S+) 0$/.exec(line);
    if (!match) {
      ++malformed;
      continue;
    }
    seen.set(match[1], (seen.get(match[1]) || 0) + 1);
  }
  let missing = 0;
  let duplicated = 0;
  for (const id of ids) {
    const count = seen.get(id) || 0;
    if (count === 0) ++missing;
    duplicated += Math.max(0, count - 1);
    seen.delete(id);
  }
  return { missing, duplicated, malformed, strangers: seen.size };
}

/**
 * The scenario on a running server: warm-up burst → baseline heap → the main burst → every job final
 * → heap again. `target` is { baseUrl, token, unitLog }.
 */
async function runLoad(name, target, preloaded = 0) {
  const clients = Array.from({ length: CLIENTS }, () => makeClient(target.baseUrl, target.token));
  const probe = makeClient(target.baseUrl, null);  // /metrics needs no credentials
  try {
    const warmup = await burst(clients, WARMUP_JOBS, target.unitLog);
    assert.deepEqual(warmup.errors, [], 'warm-up transport errors');
    assert.equal(warmup.ids.length, WARMUP_JOBS, `warm-up creates: ${warmup.unexpected.join('\n')}`);
    await drain(probe, preloaded + WARMUP_JOBS);
    const baseline = await settledHeap(probe, clients);

    const main = await burst(clients, JOBS, target.unitLog);
    const drained = await drain(probe, preloaded + WARMUP_JOBS + JOBS);
    const afterRun = await settledHeap(probe, clients);
    const metrics = await scrape(probe);

    const ids = [...warmup.ids, ...main.ids];
    const audit = auditUnitLog(target.unitLog, ids);
    const growth = afterRun.heap - baseline.heap;
    const tolerance = HEAP_TOLERANCE_BYTES[name];
    const createRate = (JOBS / (main.ms / 1000)).toFixed(0);
    const totalS = (main.ms + drained.ms) / 1000;
    console.log(
      `load ${name}: jobs=${JOBS} clients=${CLIENTS} requests=${main.requests} create_s=${(main.ms / 1000).toFixed(1)} ` +
        `(${createRate} jobs/s) drain_s=${(drained.ms / 1000).toFixed(1)} total_s=${totalS.toFixed(1)} ` +
        `(${(JOBS / totalS).toFixed(0)} jobs/s end to end) ` +
        `heap_baseline_mb=${mb(baseline.heap)} heap_after_mb=${mb(afterRun.heap)} heap_growth_kb=${(growth / 1024).toFixed(0)} ` +
        `(${(growth / JOBS).toFixed(0)} B/job, tolerance ${mb(tolerance)} MB) ` +
        `rss_baseline_mb=${mb(baseline.rss)} rss_after_mb=${mb(afterRun.rss)} ` +
        `missing=${audit.missing} duplicated=${audit.duplicated} ` +
        `client_5xx=${main.classes['5xx'] || 0} server_5xx=${metrics['batchd_http_responses_total{class="5xx"}']}`,
    );

    assert.deepEqual(main.errors, [], 'transport errors');
    assert.deepEqual(main.unexpected, [], 'every request answered 2xx');
    assert.equal(main.ids.length, JOBS);
    assert.equal(new Set(ids).size, ids.length, 'every create returned a new id');
    assert.deepEqual(drained.jobs, {
      created: 0, pre_processed: 0, confirmed: 0, processing: 0, completed: preloaded + WARMUP_JOBS + JOBS, canceled: 0, failed: 0,
    });
    assert.deepEqual(audit, { missing: 0, duplicated: 0, malformed: 0, strangers: 0 }, 'each job processed exactly once');
    assert.equal(main.classes['5xx'] || 0, 0, 'no 5xx seen by the clients');
    assert.equal(metrics['batchd_http_responses_total{class="5xx"}'], 0, 'no 5xx counted by the server');
    assert.ok(
      metrics['batchd_http_responses_total{class="2xx"}'] >= warmup.requests + main.requests,
      'the server counted every answered request',
    );
    assert.ok(
      growth <= tolerance,
      `heap grew by ${mb(growth)} MB over ${JOBS} jobs (${(growth / JOBS).toFixed(0)} B/job): a leak?`,
    );
  } finally {
    for (const client of clients) client.close();
    probe.close();
  }
}

/// PRELOADED_JOBS completed test-count jobs of admin_user, as a fixture.
function preloadedJobs() {
  const at = new Date(Date.now() - 3_600_000).toISOString();
  return Array.from({ length: PRELOADED_JOBS }, (_, i) => ({
    id: `batch_preloaded_${String(i).padStart(5, '0')}`,
    type: 'test-count',
    created_by: 'admin_user',
    context: { n: 1 },
    result: { advancement_count: 1, count: 1 },
    pre_processed_at: at,
    confirmed_at: at,
    processing_at: at,
    completed_at: at,
  }));
}

describe('load: SQLite (embedded default, serve with 2 workers)', () => {
  let server;
  let tmp;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'batchd-load-'));
    // The embedded default whatever the caller's environment says.
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      server = await startBatchd({ workers: 2, jobs: preloadedJobs() });
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
  after(async () => {
    if (server) {
      const outcome = await server.stop();
      // An ASan build reports leaks at exit (LeakSanitizer) with a non-zero exit code.
      assert.equal(outcome.code, 0, `batchd exited with ${JSON.stringify(outcome)}`);
    }
    if (tmp && !process.env.BATCHD_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test(`${JOBS} jobs from ${CLIENTS} clients: all completed once, no 5xx, heap back to baseline`, { timeout: 600_000 }, async () => {
    const target = { baseUrl: server.baseUrl, token: 'test_token', unitLog: path.join(tmp, 'units.log') };
    await runLoad('SQLite', target, PRELOADED_JOBS);
  });
});

const pgUrl =
  process.env.BATCHD_TEST_PG_URL ||
  (/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL || '') ? process.env.DATABASE_URL : '');
const haveServices = Boolean(pgUrl && process.env.BATCHD_TEST_REDIS_URL);

describe(
  'load: PostgreSQL + Redis (serve --no-workers, 2 worker processes)',
  { skip: haveServices ? false : 'BATCHD_TEST_PG_URL and BATCHD_TEST_REDIS_URL are not set' },
  () => {
    let cluster;
    before(async () => {
      process.env.BATCHD_TEST_PG_URL = pgUrl;
      cluster = await startCluster({ name: 'load', workers: 2, threads: 2, leaseMs: 10_000, heartbeatMs: 2_000, pollMs: 500 });
    });
    after(async () => {
      if (cluster) {
        const exits = await cluster.stop();
        for (const exit of exits) {
          assert.equal(exit.code, 0, `a cluster process exited with ${JSON.stringify(exit)}`);
        }
      }
    });

    test(`${JOBS} jobs from ${CLIENTS} clients: all completed once, no 5xx, heap back to baseline`, { timeout: 600_000 }, async () => {
      // The cluster's user and token are those of its fixture.
      const fixture = JSON.parse(fs.readFileSync(path.join(cluster.dir, 'fixture.json'), 'utf8'));
      await runLoad('PostgreSQL', { baseUrl: cluster.baseUrl, token: fixture.users[0].api_token, unitLog: cluster.unitLog });
    });
  },
);
