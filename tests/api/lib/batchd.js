'use strict';
// Starts a real batchd for one test file and hands out clients for it.
//
//   const server = await startBatchd({ jobs: [...] });   // in before()
//   const medusa = server.medusa();                        // @medusajs/medusa-js as test_token
//   const res = await server.fetch('GET', '/health');      // raw HTTP where the client can't go
//   await server.stop();                                    // in after()
//
// Environment:
//   BATCHD_BIN          the batchd executable (default: build/dev/src/app/batchd)
//   BATCHD_TEST_PLUGIN  the test strategies plugin (default: build/dev/tests/plugin/libbatchd_test_strategies.so)
//   DATABASE_URL        optional postgres://… URL of a role with CREATEDB: each server then gets a
//                       database of its own, created here with psql and dropped by stop().
//                       Unset: each server gets a fresh SQLite file in its temp data dir.
//   BATCHD_KEEP_TMP=1   keep the data dirs (and server.log) for a look after the run.

const { spawn, execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { promisify } = require('node:util');
const Medusa = require('@medusajs/medusa-js').default;

const execFileAsync = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = process.env.BATCHD_BIN || path.join(REPO, 'build/dev/src/app/batchd');
const PLUGIN =
  process.env.BATCHD_TEST_PLUGIN || path.join(REPO, 'build/dev/tests/plugin/libbatchd_test_strategies.so');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const SEED_TIMEOUT_MS = 300_000;

/// The users of MEDUSA-SPEC §8: admin_user owns the API token `test_token`; member-user has none.
const USERS = [
  {
    id: 'admin_user',
    email: 'admin@medusa.js',
    password: 'secret_password',
    api_token: 'test_token',
    first_name: 'Admin',
    last_name: 'User',
    role: 'admin',
  },
  { id: 'member-user', email: 'member@test.com', first_name: 'Member', last_name: 'User', role: 'member' },
];

/// Runs `batchd <args>` to completion; throws with its stderr when it fails.
async function runBatchd(args, env, timeoutMs = START_TIMEOUT_MS) {
  try {
    return await execFileAsync(BIN, args, { env, timeout: timeoutMs });
  } catch (error) {
    throw new Error(`batchd ${args.join(' ')} failed (${error.code}):\n${error.stderr || error.message}`);
  }
}

/// psql against `url` (the admin DATABASE_URL), one statement.
async function psql(url, sql) {
  try {
    await execFileAsync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 });
  } catch (error) {
    throw new Error(`psql ${sql} failed:\n${error.stderr || error.message}`);
  }
}

/// A fresh PostgreSQL database next to the one `adminUrl` names; returns its URL and a dropper.
async function createPostgresDatabase(adminUrl) {
  const name = `batchd_api_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await psql(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/// Waits for `child` to exit; resolves { code, signal }.
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function timeout(ms, what) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  promise.cancel = () => clearTimeout(timer);
  return promise;
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts batchd on a free port with a temp data dir, after loading `users` and `jobs` as a fixture.
 * Options: jobs (batch_jobs fixture entries, in creation order), users (default USERS),
 * catalog (more fixture sections: products, regions, … as `batchd fixtures load` reads them),
 * seed (arguments of `batchd seed`, run before the server starts),
 * workers (default 2; 0 starts the server with --no-workers), env (extra environment).
 */
async function startBatchd({
  jobs = [],
  users = USERS,
  catalog = {},
  seed = null,
  workers = 2,
  env: extraEnv = {},
} = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchd-api-'));
  const env = { ...process.env, BATCHD_LOG_LEVEL: process.env.BATCHD_LOG_LEVEL || 'info', ...extraEnv };
  // Nothing from the caller's environment may point this server at another one's data.
  for (const key of ['BATCHD_CONFIG', 'BATCHD_DATA_DIR', 'BATCHD_PORT', 'BATCHD_ADDRESS', 'BATCHD_PLUGINS', 'BATCHD_WORKERS']) {
    delete env[key];
  }
  let database = null;
  if (process.env.DATABASE_URL && /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL)) {
    database = await createPostgresDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = database.url;
  } else {
    delete env.DATABASE_URL;  // the embedded default: <data dir>/batchd.db, fresh for each server
  }

  // Leaves nothing behind when the server never comes up.
  const discard = async () => {
    if (database) await database.drop().catch(() => {});
    if (!process.env.BATCHD_KEEP_TMP) fs.rmSync(dataDir, { recursive: true, force: true });
  };

  const common = ['--data-dir', dataDir];
  try {
    await runBatchd(['migrate', ...common], env);
    const fixture = path.join(dataDir, 'fixture.json');
    fs.writeFileSync(fixture, JSON.stringify({ ...catalog, users, batch_jobs: jobs }, null, 2));
    await runBatchd(['fixtures', 'load', fixture, ...common], env);
    if (seed) await runBatchd(['seed', ...seed, ...common], env, SEED_TIMEOUT_MS);
  } catch (error) {
    await discard();
    throw error;
  }

  const args = ['serve', '--port', '0', ...common, '--plugin', PLUGIN];
  args.push(...(workers > 0 ? ['--workers', String(workers)] : ['--no-workers']));
  const logFile = path.join(dataDir, 'server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', log] });
  fs.closeSync(log);

  const lines = readline.createInterface({ input: child.stdout });
  const listening = new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const match = /^batchd listening on (http:\/\/\S+)$/.exec(line.trim());
      if (match) resolve(match[1]);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`batchd serve exited (code ${code}, signal ${signal}) before listening:\n${tail(logFile)}`)),
    );
    child.once('error', reject);
  });
  const deadline = timeout(START_TIMEOUT_MS, 'batchd serve');
  let baseUrl;
  try {
    baseUrl = await Promise.race([listening, deadline]);
  } catch (error) {
    child.kill('SIGKILL');
    await exited(child);
    await discard();
    throw error;
  } finally {
    deadline.cancel();
  }

  let stopped = null;
  const server = {
    baseUrl,
    dataDir,
    logFile,
    pid: child.pid,

    /// Medusa's JS client, authenticated with `apiKey` (x-medusa-access-token), no retries.
    medusa(apiKey = 'test_token') {
      const options = { baseUrl, maxRetries: 0 };
      if (apiKey) options.apiKey = apiKey;
      return new Medusa(options);
    },

    /// Raw HTTP. `body` is sent as is when it is a string or Buffer, else as JSON. `token` adds
    /// x-medusa-access-token (pass null for none). Resolves { status, headers, text, json }.
    async fetch(method, urlPath, { body, headers = {}, token = 'test_token' } = {}) {
      const allHeaders = { ...headers };
      if (token) allHeaders['x-medusa-access-token'] = token;
      let payload = body;
      if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
        payload = JSON.stringify(body);
      }
      if (payload !== undefined && !Object.keys(allHeaders).some((h) => h.toLowerCase() === 'content-type')) {
        allHeaders['content-type'] = 'application/json';
      }
      const response = await fetch(baseUrl + urlPath, { method, headers: allHeaders, body: payload });
      const text = await response.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },

    /// Runs the `batchd` CLI (`user add`, `user delete`, …) against this server's data: same data dir,
    /// same DATABASE_URL, same environment (REDIS_URL included). Resolves { stdout, stderr }.
    cli(args) {
      return runBatchd([...args, ...common], env);
    },

    /// `batchd user add`: a new admin user; resolves its API token (given or made up by batchd).
    async addUser({ email, id, token, password }) {
      const args = ['user', 'add', '--email', email];
      if (id) args.push('--id', id);
      if (token) args.push('--token', token);
      if (password) args.push('--password', password);
      const { stdout } = await server.cli(args);
      return stdout.trim();
    },

    /// `batchd user delete`: soft-deletes the user with this email; resolves the CLI's stderr.
    async deleteUser(email) {
      const { stderr } = await server.cli(['user', 'delete', '--email', email]);
      return stderr;
    },

    /// SIGTERM, then waits for a clean exit (SIGKILL after 15 s). Resolves { code, signal }.
    /// Idempotent: a second call returns the first outcome.
    async stop() {
      if (!stopped) {
        stopped = (async () => {
          lines.close();
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const deadlineStop = timeout(STOP_TIMEOUT_MS, 'batchd shutdown');
          let outcome;
          try {
            outcome = await Promise.race([exited(child), deadlineStop]);
          } catch {
            child.kill('SIGKILL');
            outcome = { ...(await exited(child)), timedOut: true };
          } finally {
            deadlineStop.cancel();
          }
          if (outcome.code !== 0) {
            console.error(`batchd ${child.pid} ended with ${JSON.stringify(outcome)}; last log lines:\n${tail(logFile)}`);
          }
          if (database) await database.drop().catch((error) => console.error(error.message));
          if (!process.env.BATCHD_KEEP_TMP) fs.rmSync(dataDir, { recursive: true, force: true });
          return outcome;
        })();
      }
      return stopped;
    },
  };
  return server;
}

module.exports = { startBatchd, USERS, BIN, PLUGIN };
