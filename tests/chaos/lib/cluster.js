'use strict';
// A batchd cluster for one chaos scenario: a fresh PostgreSQL database, a private redis-server (the
// scenarios flush and restart it, so it is never the shared one), one `batchd serve --no-workers`
// for the API and N `batchd worker` processes with short leases. Every process logs to a file of
// its own in the cluster's temp folder.
//
// Environment:
//   BATCHD_TEST_PG_URL  postgres://… of a role with CREATEDB (scripts/test-services.sh exports it)
//   BATCHD_BIN          the batchd executable (default: build/dev/src/app/batchd)
//   BATCHD_TEST_PLUGIN  the test strategies plugin (default: build/dev/tests/plugin/libbatchd_test_strategies.so)
//   BATCHD_KEEP_TMP=1   keep the temp folders (logs, unit logs) for a look after the run

const { spawn, execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { promisify } = require('node:util');

const execFileAsync = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = process.env.BATCHD_BIN || path.join(REPO, 'build/dev/src/app/batchd');
const PLUGIN =
  process.env.BATCHD_TEST_PLUGIN || path.join(REPO, 'build/dev/tests/plugin/libbatchd_test_strategies.so');
const TOKEN = 'chaos_token';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Polls `probe` every `every` ms until it returns a truthy value; throws after `ms`.
async function waitFor(what, probe, { ms = 30_000, every = 50 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/// A loopback port nobody listens on right now (racy by nature: callers retry a failed bind).
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/// SIGTERM, then SIGKILL if the process is still there after `ms`. Resolves its exit, with `asked`
/// true when it was still running (a process that had already exited was not asked to stop).
async function terminate(child, ms = STOP_TIMEOUT_MS) {
  const asked = child.exitCode === null && child.signalCode === null;
  if (asked) {
    child.kill('SIGCONT');  // a stopped process cannot act on SIGTERM
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  try {
    return { ...(await exited(child)), asked, pid: child.pid };
  } finally {
    clearTimeout(timer);
  }
}

/// Spawns `args`, stderr to `logFile`, and resolves once a stdout line matches `ready`.
async function spawnUntil(command, args, { env, logFile, ready }) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', log] });
  fs.closeSync(log);
  const lines = readline.createInterface({ input: child.stdout });
  let timer;
  try {
    const match = await new Promise((resolve, reject) => {
      lines.on('line', (line) => {
        const found = ready.exec(line.trim());
        if (found) resolve(found);
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`${path.basename(command)} ${args[0]} exited (${code}, ${signal}):\n${tail(logFile)}`)),
      );
      child.once('error', reject);
      timer = setTimeout(() => reject(new Error(`${args[0]}: not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    });
    return { child, match };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/// psql, one statement; resolves the rows as arrays of text fields.
async function psql(url, sql) {
  try {
    const { stdout } = await execFileAsync('psql', [url, '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      timeout: 30_000,
    });
    return stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => line.split('\t'));
  } catch (error) {
    throw new Error(`psql ${sql} failed:\n${error.stderr || error.message}`);
  }
}

/// A private redis-server on a free loopback port; `restart()` brings it back on the same port.
async function startRedis(dir) {
  const redis = { port: 0, child: null };
  const launch = async () => {
    const child = spawn('redis-server', ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--dir', dir, '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
    redis.child = child;
    await waitFor('redis-server to answer', async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited:\n${tail(path.join(dir, 'redis.log'))}`);
      return (await redis.cli('PING').catch(() => '')).trim() === 'PONG';
    }, { ms: 10_000 });
  };
  redis.cli = async (...args) => {
    const { stdout } = await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), ...args], {
      timeout: 10_000, maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  redis.stop = async () => {
    if (redis.child) await terminate(redis.child, 5_000);
  };
  redis.restart = async () => {
    await redis.stop();
    await launch();
  };
  for (let attempt = 1; ; ++attempt) {
    redis.port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (redis.child) redis.child.kill('SIGKILL');
      if (attempt === 5) throw error;
    }
  }
  redis.url = `redis://127.0.0.1:${redis.port}`;
  return redis;
}

/**
 * Starts the cluster. Options: workers (processes, default 3), threads (per process, default 2),
 * leaseMs (2000), heartbeatMs (400), pollMs (500).
 */
async function startCluster({ name, workers = 3, threads = 2, leaseMs = 2000, heartbeatMs = 400, pollMs = 500 } = {}) {
  const adminUrl = process.env.BATCHD_TEST_PG_URL;
  if (!adminUrl) {
    throw new Error('BATCHD_TEST_PG_URL is not set: run eval "$(scripts/test-services.sh start)" first');
  }
  if (!fs.existsSync(BIN)) throw new Error(`no batchd at ${BIN} (set BATCHD_BIN)`);
  if (!fs.existsSync(PLUGIN)) throw new Error(`no test plugin at ${PLUGIN} (set BATCHD_TEST_PLUGIN)`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `batchd-chaos-${name}-`));
  const dbName = `batchd_chaos_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await psql(adminUrl, `CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;

  const cluster = {
    dir, dbUrl: dbUrl.toString(), leaseMs, heartbeatMs, pollMs,
    redis: null, api: null, baseUrl: '', workers: [], unitLog: path.join(dir, 'units.log'),
  };
  cluster.sql = (sql) => psql(cluster.dbUrl, sql);

  try {
    cluster.redis = await startRedis(dir);
    const config = path.join(dir, 'batchd.toml');
    fs.writeFileSync(config, [
      `database_url = "${cluster.dbUrl}"`,
      `redis_url = "${cluster.redis.url}"`,
      `log_level = "${process.env.BATCHD_LOG_LEVEL || 'info'}"`,
      '[worker]',
      `lease_ms = ${leaseMs}`,
      `heartbeat_ms = ${heartbeatMs}`,
      `poll_ms = ${pollMs}`,
      '',
    ].join('\n'));
    const env = { ...process.env };
    for (const key of ['BATCHD_CONFIG', 'BATCHD_DATA_DIR', 'BATCHD_PORT', 'BATCHD_ADDRESS', 'BATCHD_PLUGINS',
      'BATCHD_WORKERS', 'DATABASE_URL', 'REDIS_URL', 'BATCHD_LOG_LEVEL']) {
      delete env[key];
    }
    const common = ['--config', config, '--data-dir', dir];
    await execFileAsync(BIN, ['migrate', ...common], { env, timeout: START_TIMEOUT_MS });
    const fixture = path.join(dir, 'fixture.json');
    fs.writeFileSync(fixture, JSON.stringify({
      users: [{ id: 'chaos_admin', email: 'chaos@batchd.test', api_token: TOKEN }], batch_jobs: [],
    }));
    await execFileAsync(BIN, ['fixtures', 'load', fixture, ...common], { env, timeout: START_TIMEOUT_MS });

    const api = await spawnUntil(BIN, ['serve', '--no-workers', '--port', '0', ...common, '--plugin', PLUGIN], {
      env, logFile: path.join(dir, 'api.log'), ready: /^batchd listening on (http:\/\/\S+)$/,
    });
    cluster.api = api.child;
    cluster.baseUrl = api.match[1];

    // Started one after the other: on 2 cores, parallel ASan starts only make each slower.
    for (let i = 0; i < workers; ++i) {
      const logFile = path.join(dir, `worker-${i}.log`);
      const { child } = await spawnUntil(BIN, ['worker', '--workers', String(threads), ...common, '--plugin', PLUGIN], {
        env, logFile, ready: /^batchd worker ready$/,
      });
      cluster.workers.push({ child, pid: child.pid, logFile, index: i });
    }
  } catch (error) {
    await stopCluster(cluster, adminUrl, dbName);
    throw error;
  }
  cluster.stop = () => stopCluster(cluster, adminUrl, dbName);
  return cluster;
}

async function stopCluster(cluster, adminUrl, dbName) {
  const children = [...cluster.workers.map((w) => w.child), cluster.api].filter(Boolean);
  const exits = await Promise.all(children.map((child) => terminate(child)));
  if (cluster.redis) await cluster.redis.stop();
  await psql(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  if (!process.env.BATCHD_KEEP_TMP) fs.rmSync(cluster.dir, { recursive: true, force: true });
  return exits;
}

/// Raw HTTP against the cluster's API. Resolves { status, json }.
async function request(cluster, method, urlPath, body) {
  const headers = { 'x-medusa-access-token': TOKEN };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(cluster.baseUrl + urlPath, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/// Creates a test-count job logging its units to the cluster's unit log; resolves its id.
async function createCountJob(cluster, { n, delayMs = 0, dryRun = false }) {
  const res = await request(cluster, 'POST', '/admin/batch-jobs', {
    type: 'test-count', dry_run: dryRun, context: { n, delay_ms: delayMs, unit_log: cluster.unitLog },
  });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`create answered ${res.status}: ${res.text}`);
  }
  return res.json.batch_job.id;
}

/// The job's store row, the columns the scenarios look at.
async function jobRow(cluster, id) {
  const rows = await cluster.sql(
    `SELECT status, coalesce(lease_owner, ''), lease_epoch, coalesce(result->>'advancement_count', '0'),
            (processing_at IS NOT NULL) FROM batch_job WHERE id = '${id}'`);
  if (rows.length === 0) throw new Error(`no job ${id}`);
  const [status, owner, epoch, advancement, processing] = rows[0];
  return { status, owner, epoch: Number(epoch), advancement: Number(advancement), processing: processing === 't' };
}

/// The pid in a lease owner "<host>:<pid>:<thread>"; 0 for none.
function ownerPid(owner) {
  const parts = owner.split(':');
  return parts.length >= 3 ? Number(parts[parts.length - 2]) : 0;
}

async function countByStatus(cluster) {
  const rows = await cluster.sql('SELECT status, count(*) FROM batch_job GROUP BY status');
  return Object.fromEntries(rows.map(([status, count]) => [status, Number(count)]));
}

/**
 * Reads the unit log against what should be in it: `expected` maps a job id to its unit count.
 * lost: units of an expected job with no line; duplicated: lines beyond the first for a unit, plus
 * lines for units or jobs that should not exist.
 */
function auditUnits(cluster, expected) {
  const text = fs.existsSync(cluster.unitLog) ? fs.readFileSync(cluster.unitLog, 'utf8') : '';
  const counts = new Map();
  let duplicated = 0;
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    ++lines;
    if (!/^\S+ \d+$/.test(line)) {
      ++duplicated;  // a torn line would mean interleaved writes: count it against us
      continue;
    }
    counts.set(line, (counts.get(line) || 0) + 1);
  }
  let lost = 0;
  for (const [id, n] of expected) {
    for (let unit = 0; unit < n; ++unit) {
      const key = `${id} ${unit}`;
      const count = counts.get(key) || 0;
      if (count === 0) ++lost;
      else duplicated += count - 1;
      counts.delete(key);
    }
  }
  for (const count of counts.values()) duplicated += count;  // lines for units nobody asked for
  return { lost, duplicated, lines };
}

/// The line every scenario prints (and CI greps).
function report(name, { lost, duplicated, takeoverMs }) {
  const takeover = takeoverMs === undefined ? '-' : String(Math.round(takeoverMs));
  const line = `chaos ${name}: lost=${lost} duplicated=${duplicated} takeover_ms=${takeover}`;
  console.log(line);
  return line;
}

module.exports = {
  startCluster, request, createCountJob, jobRow, ownerPid, countByStatus, auditUnits, report, waitFor, sleep, exited,
};
