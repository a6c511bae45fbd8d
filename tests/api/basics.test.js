'use strict';
// MEDUSA-SPEC §8.1 (Medusa's own api.js) and the §8.2 scenarios that run on its seed.
// The server runs with --no-workers: the seeded `created` jobs are data here and must stay as they
// are (in Medusa they never got an event; in batchd a worker would otherwise pick them up once a
// product-export strategy is registered). Read-only scenarios come first, the ones that write last.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startBatchd } = require('./lib/batchd');
const { NOT_YOURS, BATCH_ID, ISO_TIME, TIMESTAMPS, SEED_8_1, apiError } = require('./lib/helpers');

describe('batch-jobs API on the §8.1 seed', () => {
  let server;
  let medusa;

  before(async () => {
    server = await startBatchd({ jobs: SEED_8_1, workers: 0 });
    medusa = server.medusa();
  });
  after(() => server && server.stop());

  it('8.1/1 GET /admin/batch-jobs lists the caller\'s jobs, newest first, with Medusa\'s defaults', async () => {
    const body = await medusa.admin.batchJobs.list();
    assert.equal(body.response.status, 200);
    assert.deepEqual(
      body.batch_jobs.map((job) => job.id),
      ['job_5', 'job_3', 'job_2', 'job_1'],
    );
    assert.equal(body.count, 4);
    assert.equal(body.limit, 10);
    assert.equal(body.offset, 0);
    for (const job of body.batch_jobs) {
      assert.equal(job.created_by, 'admin_user');
      assert.match(job.created_at, ISO_TIME);
      assert.match(job.updated_at, ISO_TIME);
      assert.equal(job.type, 'product-export');
    }
    const [job5, ...others] = body.batch_jobs;
    assert.equal(job5.status, 'completed');
    assert.equal(job5.completed_at, '2022-06-27T22:00:00.000Z');
    for (const job of others) {
      assert.equal(job.status, 'created');
      assert.equal(job.result, null);
      assert.deepEqual(job.context, {});
      assert.equal(job.dry_run, false);
      assert.equal(job.deleted_at, null);
      for (const column of TIMESTAMPS) {
        assert.equal(job[column], null, `${job.id}.${column}`);
      }
    }
  });

  it('8.1/2 GET /admin/batch-jobs?completed_at=null lists only the jobs not completed', async () => {
    // medusa-js turns null into the string "null", as a browser client does.
    const body = await medusa.admin.batchJobs.list({ completed_at: null });
    assert.deepEqual(
      body.batch_jobs.map((job) => job.id),
      ['job_3', 'job_2', 'job_1'],
    );
    assert.equal(body.count, 3);
  });

  it('8.1/3 GET /admin/batch-jobs/job_1 returns the job', async () => {
    const { batch_job: job, response } = await medusa.admin.batchJobs.retrieve('job_1');
    assert.equal(response.status, 200);
    assert.equal(job.id, 'job_1');
    assert.equal(job.created_by, 'admin_user');
    assert.equal(job.status, 'created');
    assert.match(job.created_at, ISO_TIME);
    assert.match(job.updated_at, ISO_TIME);
    assert.equal(job.dry_run, false);
  });

  it('8.1/4 GET another user\'s job is 400 not_allowed', async () => {
    const error = await apiError(medusa.admin.batchJobs.retrieve('job_4'));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, NOT_YOURS);
  });

  it('8.1/6 POST /admin/batch-jobs/job_4/confirm (another user\'s) is 400 not_allowed', async () => {
    const error = await apiError(medusa.admin.batchJobs.confirm('job_4'));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, NOT_YOURS);
  });

  it('8.1/7 POST /admin/batch-jobs/job_4/cancel (another user\'s) is 400 not_allowed', async () => {
    const error = await apiError(medusa.admin.batchJobs.cancel('job_4'));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, NOT_YOURS);
    const { json } = await server.fetch('GET', '/admin/batch-jobs?id[]=job_4');
    assert.equal(json.count, 0, 'job_4 is not listed for admin_user either');
  });

  it('8.2/15 GET /admin/batch-jobs/nope is 404 not_found', async () => {
    const error = await apiError(medusa.admin.batchJobs.retrieve('nope'));
    assert.equal(error.status, 404);
    assert.deepEqual(error.body, { type: 'not_found', message: 'Batch job with id nope was not found' });
  });

  it('8.2/17 confirm is 400 not_allowed for a created job and for a completed one', async () => {
    const expected = {
      type: 'not_allowed',
      message: 'Cannot confirm processing for a batch job that is not pre processed',
    };
    for (const id of ['job_1', 'job_5']) {
      const error = await apiError(medusa.admin.batchJobs.confirm(id));
      assert.equal(error.status, 400, id);
      assert.deepEqual(error.body, expected, id);
    }
    const { batch_job: job1 } = await medusa.admin.batchJobs.retrieve('job_1');
    assert.equal(job1.status, 'created', 'a refused confirm changes nothing');
    assert.equal(job1.confirmed_at, null);
  });

  it('8.2/18 type must be an array: ?type=x is 400, ?type[]=x and ?type[0]=x filter', async () => {
    const scalar = await server.fetch('GET', '/admin/batch-jobs?type=product-export');
    assert.equal(scalar.status, 400);
    assert.deepEqual(scalar.json, { type: 'invalid_data', message: 'type must be an array' });

    for (const query of ['type[]=product-export', 'type%5B0%5D=product-export']) {
      const listed = await server.fetch('GET', `/admin/batch-jobs?${query}`);
      assert.equal(listed.status, 200, query);
      assert.equal(listed.json.count, 4, query);
    }
    const other = await server.fetch('GET', '/admin/batch-jobs?type[]=product-import');
    assert.equal(other.status, 200);
    assert.equal(other.json.count, 0);
    // medusa-js sends type[0]=…
    const viaClient = await medusa.admin.batchJobs.list({ type: ['product-export'] });
    assert.equal(viaClient.count, 4);
  });

  it('8.2/19 an unknown query parameter such as status is 400', async () => {
    const response = await server.fetch('GET', '/admin/batch-jobs?status=created');
    assert.equal(response.status, 400);
    assert.deepEqual(response.json, { type: 'invalid_data', message: 'property status should not exist' });
  });

  it('8.2/20 ?limit=2&offset=1 pages through the newest-first list', async () => {
    const body = await medusa.admin.batchJobs.list({ limit: 2, offset: 1 });
    assert.deepEqual(
      body.batch_jobs.map((job) => job.id),
      ['job_3', 'job_2'],
    );
    assert.equal(body.count, 4);
    assert.equal(body.limit, 2);
    assert.equal(body.offset, 1);
  });

  it('8.2/21 ?limit=abc is 400 with class-validator\'s message', async () => {
    const response = await server.fetch('GET', '/admin/batch-jobs?limit=abc');
    assert.equal(response.status, 400);
    assert.deepEqual(response.json, {
      type: 'invalid_data',
      message: 'limit must be a number conforming to the specified constraints',
    });
  });

  // From here on the scenarios write.

  it('8.1/5 (test-count in place of product-export) POST /admin/batch-jobs creates a job owned by the caller', async () => {
    const body = await medusa.admin.batchJobs.create({ type: 'test-count', context: { n: 1 } });
    assert.equal(body.response.status, 201);
    const job = body.batch_job;
    assert.match(job.id, BATCH_ID);
    assert.equal(job.created_by, 'admin_user');
    assert.equal(job.status, 'created');
    assert.equal(job.type, 'test-count');
    assert.equal(job.dry_run, false);
    // The full entity, nulls included (MEDUSA-SPEC "Corrections").
    assert.equal(job.result, null);
    assert.equal(job.deleted_at, null);
    for (const column of TIMESTAMPS) {
      assert.equal(job[column], null, column);
    }
    assert.match(job.created_at, ISO_TIME);
    const { batch_job: stored } = await medusa.admin.batchJobs.retrieve(job.id);
    assert.equal(stored.status, 'created', 'no workers here: it stays created');
    const { count } = await medusa.admin.batchJobs.list();
    assert.equal(count, 5);
  });

  it('8.1/9 POST /admin/batch-jobs/job_1/cancel cancels a created job', async () => {
    const { batch_job: job, response } = await medusa.admin.batchJobs.cancel('job_1');
    assert.equal(response.status, 200);
    assert.equal(job.id, 'job_1');
    assert.equal(job.status, 'canceled');
    assert.match(job.canceled_at, ISO_TIME);
    assert.match(job.created_at, ISO_TIME);
    assert.match(job.updated_at, ISO_TIME);
    const { batch_job: stored } = await medusa.admin.batchJobs.retrieve('job_1');
    assert.equal(stored.status, 'canceled');
    assert.equal(stored.canceled_at, job.canceled_at);
  });
});
