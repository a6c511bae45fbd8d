'use strict';
// Authentication (MEDUSA-SPEC §6, scenario 8.2/10) and request validation (8.2/11–14), bad bodies
// (BATCHD-CONTRACT §B.5), /health, and a clean shutdown on SIGTERM.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startBatchd } = require('./lib/batchd');
const { apiError } = require('./lib/helpers');

const JOBS = [{ id: 'job_1', type: 'product-export', created_by: 'admin_user', context: {} }];

describe('requests: authentication, validation, limits', () => {
  let server;
  let medusa;

  before(async () => {
    server = await startBatchd({ jobs: JOBS, workers: 0 });
    medusa = server.medusa();
  });
  after(() => server && server.stop());

  const routes = [
    ['GET', '/admin/batch-jobs'],
    ['POST', '/admin/batch-jobs', { type: 'test-noop', context: {} }],
    ['GET', '/admin/batch-jobs/job_1'],
    ['POST', '/admin/batch-jobs/job_1/confirm'],
    ['POST', '/admin/batch-jobs/job_1/cancel'],
  ];

  it('8.2/10 every batch route without credentials is 401 Unauthorized', async () => {
    for (const [method, path, body] of routes) {
      const response = await server.fetch(method, path, { body, token: null });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(response.text, 'Unauthorized', `${method} ${path}`);
    }
    const viaClient = await apiError(server.medusa(null).admin.batchJobs.list());
    assert.equal(viaClient.status, 401);
    const { batch_job: job } = await medusa.admin.batchJobs.retrieve('job_1');
    assert.equal(job.status, 'created', 'the refused confirm and cancel changed nothing');
    const { count } = await medusa.admin.batchJobs.list();
    assert.equal(count, 1, 'the refused create created nothing');
  });

  it('8.2/10 a wrong token is 401, in either header', async () => {
    const wrong = await apiError(server.medusa('not_the_token').admin.batchJobs.list());
    assert.equal(wrong.status, 401);
    const bearer = await server.fetch('GET', '/admin/batch-jobs', {
      token: null,
      headers: { authorization: 'Bearer not_the_token' },
    });
    assert.equal(bearer.status, 401);
    const empty = await server.fetch('GET', '/admin/batch-jobs', {
      token: null,
      headers: { 'x-medusa-access-token': '' },
    });
    assert.equal(empty.status, 401);
  });

  it('the API token is accepted as x-medusa-access-token and as Authorization: Bearer', async () => {
    const header = await server.fetch('GET', '/admin/batch-jobs');
    assert.equal(header.status, 200);
    assert.equal(header.json.count, 1);
    const bearer = await server.fetch('GET', '/admin/batch-jobs', {
      token: null,
      headers: { authorization: 'Bearer test_token' },
    });
    assert.equal(bearer.status, 200);
    assert.equal(bearer.json.count, 1);
  });

  it('8.2/11 POST without context is 400 "context must be an object"', async () => {
    const error = await apiError(medusa.admin.batchJobs.create({ type: 'test-noop' }));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'context must be an object' });
  });

  it('8.2/12 POST {} is 400 naming both missing fields', async () => {
    const error = await apiError(medusa.admin.batchJobs.create({}));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, {
      type: 'invalid_data',
      message: 'type must be a string, context must be an object',
    });
  });

  it('8.2/13 POST with an unknown key is 400 "property foo should not exist"', async () => {
    const error = await apiError(medusa.admin.batchJobs.create({ type: 'test-noop', context: {}, foo: 1 }));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'property foo should not exist' });
  });

  it('8.2/14 POST with an unknown type is 404 "Unable to find a BatchJob strategy"', async () => {
    const error = await apiError(medusa.admin.batchJobs.create({ type: 'does-not-exist', context: {} }));
    assert.equal(error.status, 404);
    assert.deepEqual(error.body, {
      type: 'not_found',
      message: 'Unable to find a BatchJob strategy with the type does-not-exist',
    });
  });

  it('context must be an object, dry_run a boolean (MEDUSA-SPEC §4.2)', async () => {
    for (const context of [[], null, 'x', 1]) {
      const error = await apiError(medusa.admin.batchJobs.create({ type: 'test-noop', context }));
      assert.equal(error.status, 400, JSON.stringify(context));
      assert.deepEqual(error.body, { type: 'invalid_data', message: 'context must be an object' });
    }
    const error = await apiError(medusa.admin.batchJobs.create({ type: 'test-noop', context: {}, dry_run: 'yes' }));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'dry_run must be a boolean value' });
  });

  it('malformed JSON is 400 invalid_data, and so are a JSON string, null or an array', async () => {
    for (const body of ['{"type": "test-noop", "context": {', 'not json', '"a string"', 'null', '[]']) {
      const response = await server.fetch('POST', '/admin/batch-jobs', { body });
      assert.equal(response.status, 400, body);
      assert.ok(response.json, `a JSON error body for ${body}: ${response.text}`);
      assert.equal(response.json.type, 'invalid_data', body);
      assert.equal(typeof response.json.message, 'string');
    }
    const { count } = await medusa.admin.batchJobs.list();
    assert.equal(count, 1, 'nothing was created');
  });

  it('a body over 100 KB is 413', async () => {
    const body = JSON.stringify({ type: 'test-noop', context: { pad: 'x'.repeat(150 * 1024) } });
    const response = await server.fetch('POST', '/admin/batch-jobs', { body });
    assert.equal(response.status, 413);
    const { count } = await medusa.admin.batchJobs.list();
    assert.equal(count, 1, 'nothing was created');
    // Just under the limit is fine.
    const fits = JSON.stringify({ type: 'test-noop', context: { pad: 'x'.repeat(90 * 1024) } });
    const accepted = await server.fetch('POST', '/admin/batch-jobs', { body: fits });
    assert.equal(accepted.status, 201, accepted.text.slice(0, 200));
  });

  it('GET /health answers 200 without credentials', async () => {
    const response = await server.fetch('GET', '/health', { token: null });
    assert.equal(response.status, 200);
  });

  it('SIGTERM shuts the server down cleanly with exit code 0', async () => {
    const outcome = await server.stop();
    assert.deepEqual(outcome, { code: 0, signal: null });
  });
});
