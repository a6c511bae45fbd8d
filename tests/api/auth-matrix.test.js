'use strict';
// The authorization matrix of issue #7: every route × every way of being the wrong caller, with the
// exact status and body each must get; and no response anywhere carries a password hash or an API
// token (or its hash) that is not the caller's own.
//
//   401 `Unauthorized` (text/plain, MEDUSA-SPEC §6): no credential, a wrong token, a malformed
//       header, the token of a deleted user — on every /admin route, whatever the body;
//   400 not_allowed: another user's batch job (MEDUSA-SPEC §4, the `/:id` access check) or another
//       user's file key (docs/adr/0006-file-ownership.md), decided before existence so it leaks nothing;
//   open: /health, /health/live, /health/ready, /metrics; GET /files/<key> wants its signature
//       and nothing else (a token does not replace it; a signed link works for anyone who holds it).
//
// With BATCHD_TEST_REDIS_URL the server and the CLI share a Redis bus (a random database of it), and
// a deleted user's token must stop working at once, even after it was cached; without it the
// server's token cache forgets the user within its 5 s TTL, which is what is checked then.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startBatchd, USERS } = require('./lib/batchd');
const { NOT_YOURS, sleep } = require('./lib/helpers');

const NOT_YOUR_FILE = {
  type: 'not_allowed',
  message: 'Cannot access a file that does not belong to the logged in user',
};

const OTHER = { id: 'other_user', email: 'other@test.com', api_token: 'other_token', password: 'other_password', first_name: 'Other', last_name: 'User', role: 'admin' };
// Used once (so the server has cached it), then deleted through the CLI while the server runs.
const GONE = { id: 'gone_user', email: 'gone@test.com', api_token: 'gone_token', password: 'gone_password', first_name: 'Gone', last_name: 'User', role: 'admin' };
// Deleted before the server ever saw its token.
const NEVER = { id: 'never_user', email: 'never@test.com', api_token: 'never_token', first_name: 'Never', last_name: 'Seen', role: 'admin' };

const TOKENS = ['test_token', OTHER.api_token, GONE.api_token, NEVER.api_token];
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

const JOBS = [
  { id: 'job_admin', type: 'product-export', created_by: 'admin_user', context: {}, dry_run: true },
  { id: 'job_other', type: 'product-export', created_by: OTHER.id, context: {}, dry_run: true },
  { id: 'job_gone', type: 'product-export', created_by: GONE.id, context: {}, dry_run: true },
  { id: 'job_nobody', type: 'product-export', created_by: null, context: {}, dry_run: true },
];

const BOUNDARY = 'authmatrixboundary';
const MULTIPART = {
  body: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\na;b\r\n--${BOUNDARY}--\r\n`,
  headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
};

/// Every /admin route the server registers (src/http/*routes*.cpp), with a body it would accept.
const ADMIN_ROUTES = [
  ['GET', '/admin/batch-jobs'],
  ['POST', '/admin/batch-jobs', { type: 'product-export', context: {}, dry_run: true }],
  ['GET', '/admin/batch-jobs/types'],
  ['GET', '/admin/batch-jobs/job_admin'],
  ['POST', '/admin/batch-jobs/job_admin/confirm'],
  ['POST', '/admin/batch-jobs/job_admin/cancel'],
  ['POST', '/admin/uploads', MULTIPART],
  ['POST', '/admin/uploads/protected', MULTIPART],
  ['POST', '/admin/uploads/download-url', { file_key: 'admin_user/uploads/a.csv' }],
  ['DELETE', '/admin/uploads', { file_key: 'admin_user/uploads/a.csv' }],
  ['GET', '/admin/products'],
  ['POST', '/admin/products', { title: 'Matrix' }],
  ['GET', '/admin/products/prod_x'],
  ['POST', '/admin/products/prod_x', { title: 'Matrix' }],
  ['DELETE', '/admin/products/prod_x'],
  ...['regions', 'collections', 'sales-channels', 'product-categories'].flatMap((entity) => [
    ['GET', `/admin/${entity}`],
    ['POST', `/admin/${entity}`, { name: 'Matrix' }],
    ['GET', `/admin/${entity}/x_1`],
    ['POST', `/admin/${entity}/x_1`, { name: 'Matrix' }],
  ]),
  ['GET', '/admin/price-lists'],
  ['POST', '/admin/price-lists', { name: 'Matrix' }],
  ['GET', '/admin/price-lists/pl_x'],
  ['GET', '/admin/orders'],
  ['GET', '/admin/orders/order_x'],
];

const OPEN_ROUTES = ['/health', '/health/live', '/health/ready', '/metrics'];

/// The ways of not being a (live) user, as request headers.
const BAD_CREDENTIALS = [
  ['no credentials', {}],
  ['a wrong x-medusa-access-token', { 'x-medusa-access-token': 'wrong_token' }],
  ['a wrong bearer token', { authorization: 'Bearer wrong_token' }],
  ['Basic auth carrying the right token', { authorization: `Basic ${Buffer.from('admin_user:test_token').toString('base64')}` }],
  ['the right token without a scheme', { authorization: 'test_token' }],
  ['a bearer scheme without a token', { authorization: 'Bearer' }],
  ['an empty x-medusa-access-token', { 'x-medusa-access-token': '' }],
  ['the token of a deleted user', { 'x-medusa-access-token': GONE.api_token }],
  ['the bearer token of a deleted user', { authorization: `Bearer ${GONE.api_token}` }],
  ['the token of a user deleted before its first use', { 'x-medusa-access-token': NEVER.api_token }],
];

describe('authorization matrix (issue #7)', () => {
  let server;
  let cases = 0;
  const responses = [];  // { caller, text } of every response, for the secret scan

  /// server.fetch as `caller` (a token, or null) with extra `headers`; a `{ body, headers }` body
  /// (MULTIPART) is sent as is with its own headers. Remembers the response for the secret scan.
  async function call(method, path, { caller = null, headers = {}, body } = {}) {
    const raw = body !== undefined && body.body !== undefined && body.headers !== undefined;
    const response = await server.fetch(method, path, {
      body: raw ? body.body : body,
      headers: raw ? { ...headers, ...body.headers } : headers,
      token: caller,
    });
    responses.push({ caller, what: `${method} ${path}`, text: response.text });
    return response;
  }

  function expectUnauthorized(response, what) {
    cases += 1;
    assert.equal(response.status, 401, `${what}: ${response.text}`);
    assert.equal(response.text, 'Unauthorized', what);
    assert.match(response.headers.get('content-type'), /^text\/plain/, what);
  }

  function expectError(response, status, body, what) {
    cases += 1;
    assert.equal(response.status, status, `${what}: ${response.text}`);
    assert.deepEqual(response.json, body, what);
  }

  let redisNote = '';

  before(async () => {
    const env = {};
    if (process.env.BATCHD_TEST_REDIS_URL) {
      // A database of its own: the stream of another test's server is none of this one's business.
      const url = new URL(process.env.BATCHD_TEST_REDIS_URL);
      url.pathname = `/${1 + crypto.randomInt(15)}`;
      env.REDIS_URL = url.toString();
    }
    redisNote = env.REDIS_URL ? 'shared Redis bus' : 'no shared bus';
    server = await startBatchd({ users: [...USERS, OTHER, GONE, NEVER], jobs: JOBS, workers: 0, env });

    // The server learns GONE's token (and caches it), then GONE and NEVER are deleted by another
    // process, the CLI, while the server runs.
    const seen = await call('GET', '/admin/batch-jobs', { caller: GONE.api_token });
    assert.equal(seen.status, 200, seen.text);
    const note = await server.deleteUser(GONE.email);
    assert.match(note, /deleted user gone_user/);
    await server.deleteUser(NEVER.email);
    if (!env.REDIS_URL) {
      // No bus between the CLI and the server: the cache forgets GONE within its TTL.
      const deadline = Date.now() + 6_000;
      while ((await call('GET', '/admin/batch-jobs', { caller: GONE.api_token })).status !== 401) {
        assert.ok(Date.now() < deadline, 'a deleted user was still accepted 6 s after its deletion');
        await sleep(200);
      }
    }
  });

  after(async () => {
    console.log(`auth matrix: ${cases} cases (${redisNote})`);
    if (server) await server.stop();
  });

  it('a deleted user stops working at once and cannot be deleted twice', async () => {
    // With a shared bus this runs right after the deletion: the cached token must already be gone.
    expectUnauthorized(await call('GET', '/admin/batch-jobs', { caller: GONE.api_token }), 'deleted user, list');
    await assert.rejects(server.deleteUser(GONE.email), /cannot delete user gone@test\.com/);
    await assert.rejects(server.deleteUser('nobody@test.com'), /cannot delete user nobody@test\.com/);
  });

  it('every /admin route answers 401 Unauthorized to every bad credential', async () => {
    for (const [method, path, body] of ADMIN_ROUTES) {
      await Promise.all(
        BAD_CREDENTIALS.map(async ([how, headers]) => {
          expectUnauthorized(await call(method, path, { headers, body }), `${method} ${path} with ${how}`);
        }),
      );
    }
    // And the same route with a good token gets through authentication (no 401), so the 401s above
    // are about the credential and not the route.
    for (const [method, path, body] of ADMIN_ROUTES.filter(([m]) => m === 'GET')) {
      const ok = await call(method, path, { caller: 'test_token', body });
      cases += 1;
      assert.notEqual(ok.status, 401, `${method} ${path} as admin_user`);
    }
  });

  it('the health and metrics routes are open, whatever the credential', async () => {
    for (const path of OPEN_ROUTES) {
      for (const [how, headers] of [BAD_CREDENTIALS[0], BAD_CREDENTIALS[1]]) {
        const response = await call('GET', path, { headers });
        cases += 1;
        assert.equal(response.status, 200, `${path} with ${how}`);
        if (path !== '/metrics') assert.deepEqual(response.json, { status: 'ok' }, path);
      }
    }
  });

  it("another user's batch job is 400 not_allowed on every /:id route; an unknown one is 404", async () => {
    const attempts = [
      ['test_token', 'job_other'],
      ['test_token', 'job_gone'],
      ['test_token', 'job_nobody'],  // a null created_by never matches
      [OTHER.api_token, 'job_admin'],
    ];
    for (const [caller, id] of attempts) {
      for (const [method, suffix] of [['GET', ''], ['POST', '/confirm'], ['POST', '/cancel']]) {
        const response = await call(method, `/admin/batch-jobs/${id}${suffix}`, { caller });
        expectError(response, 400, NOT_YOURS, `${method} ${id}${suffix} as ${caller}`);
      }
    }
    for (const [method, suffix] of [['GET', ''], ['POST', '/confirm'], ['POST', '/cancel']]) {
      const response = await call(method, `/admin/batch-jobs/job_missing${suffix}`, { caller: OTHER.api_token });
      expectError(response, 404, { type: 'not_found', message: 'Batch job with id job_missing was not found' }, `${method} job_missing${suffix}`);
    }
    // Nothing was changed by the refused calls: the owner still sees its job created.
    const own = await call('GET', '/admin/batch-jobs/job_admin', { caller: 'test_token' });
    cases += 1;
    assert.equal(own.status, 200);
    assert.equal(own.json.batch_job.status, 'created');
    assert.equal(own.json.batch_job.confirmed_at, null);
    assert.equal(own.json.batch_job.canceled_at, null);
  });

  it("a list shows only the caller's own jobs", async () => {
    const admin = await call('GET', '/admin/batch-jobs?limit=50', { caller: 'test_token' });
    const other = await call('GET', '/admin/batch-jobs?limit=50', { caller: OTHER.api_token });
    cases += 2;
    assert.equal(admin.status, 200);
    assert.ok(admin.json.batch_jobs.every((job) => job.created_by === 'admin_user'), admin.text);
    assert.ok(admin.json.batch_jobs.some((job) => job.id === 'job_admin'));
    assert.equal(other.status, 200);
    assert.deepEqual(other.json.batch_jobs.map((job) => job.id), ['job_other']);
    assert.equal(other.json.count, 1);
  });

  it("another user's file key is 400 not_allowed for download-url and delete, existing or not", async () => {
    const upload = async (caller, path) => {
      const response = await call('POST', path, { caller, body: MULTIPART });
      assert.equal(response.status, 200, response.text);
      return response.json.uploads[0];
    };
    const adminFile = await upload('test_token', '/admin/uploads');
    const otherFile = await upload(OTHER.api_token, '/admin/uploads/protected');
    cases += 2;
    assert.match(adminFile.key, /^admin_user\/uploads\//);
    assert.match(otherFile.key, /^other_user\/protected\//);

    const refused = [
      [OTHER.api_token, adminFile.key],
      ['test_token', otherFile.key],
      ['test_token', 'other_user/uploads/does-not-exist.csv'],  // the same answer: existence does not leak
      ['test_token', 'gone_user/exports/products/product-export-job_gone.csv'],
      ['test_token', '_unowned/exports/products/product-export-job_nobody.csv'],
      ['test_token', 'uploads/legacy-key-without-owner.csv'],
      ['test_token', 'admin_user'],  // the owner's folder itself is no file of it
      ['test_token', 'admin_users/uploads/a.csv'],
      ['test_token', 'ADMIN_USER/uploads/a.csv'],
    ];
    for (const [caller, key] of refused) {
      for (const [method, path] of [['POST', '/admin/uploads/download-url'], ['DELETE', '/admin/uploads']]) {
        const response = await call(method, path, { caller, body: { file_key: key } });
        expectError(response, 400, NOT_YOUR_FILE, `${method} ${path} ${key} as ${caller}`);
      }
    }

    // The refused deletes removed nothing: each owner still gets its link, and the link works.
    for (const [caller, file] of [['test_token', adminFile], [OTHER.api_token, otherFile]]) {
      const url = await call('POST', '/admin/uploads/download-url', { caller, body: { file_key: file.key } });
      cases += 1;
      assert.equal(url.status, 200, url.text);
      // A signed link is a bearer capability: no credential needed, anyone holding it may fetch.
      const fetched = await fetch(url.json.download_url);
      cases += 1;
      assert.equal(fetched.status, 200);
      assert.equal(await fetched.text(), 'a;b');
    }
    // A token does not replace the signature.
    const unsigned = await call('GET', `/files/${encodeURIComponent(adminFile.key)}`, { caller: 'test_token' });
    expectError(unsigned, 403, { type: 'not_allowed', message: 'The download link is invalid or has expired' }, 'unsigned /files');
    // One key's signature does not open another user's file.
    const signed = new URL(adminFile.url);
    const bent = `${server.baseUrl}/files/${encodeURIComponent(otherFile.key)}${signed.search}`;
    const stolen = await fetch(bent);
    cases += 1;
    assert.equal(stolen.status, 403);

    // An owner may delete its own file.
    const removed = await call('DELETE', '/admin/uploads', { caller: OTHER.api_token, body: { file_key: otherFile.key } });
    expectError(removed, 200, { id: otherFile.key, object: 'file', deleted: true }, 'owner deletes');
  });

  it('expand=created_by_user shows the user without its secrets', async () => {
    for (const [caller, owner] of [['test_token', 'admin_user'], [OTHER.api_token, OTHER.id]]) {
      const list = await call('GET', '/admin/batch-jobs?expand=created_by_user&limit=50', { caller });
      cases += 1;
      assert.equal(list.status, 200, list.text);
      assert.ok(list.json.batch_jobs.length > 0);
      for (const job of list.json.batch_jobs) {
        const user = job.created_by_user;
        assert.equal(user.id, owner);
        for (const secret of ['password_hash', 'api_token', 'api_token_hash', 'password']) {
          assert.equal(Object.hasOwn(user, secret), false, `created_by_user.${secret}`);
        }
      }
    }
  });

  it('no response carries a password hash, nor a token (or token hash) but the caller\'s own', () => {
    assert.ok(responses.length > 300, `only ${responses.length} responses were scanned`);
    for (const { caller, what, text } of responses) {
      cases += 1;
      assert.ok(!text.includes('$argon2'), `${what} shows a password hash`);
      for (const token of TOKENS.filter((t) => t !== caller)) {
        assert.ok(!text.includes(token), `${what} (as ${caller}) shows the token ${token}`);
        assert.ok(!text.includes(sha256(token)), `${what} (as ${caller}) shows the hash of ${token}`);
      }
    }
  });
});
