'use strict';
// The status machine through the API on seeded jobs, one per status (MEDUSA-SPEC §2, §4.4, §4.5):
// scenarios 8.1/8 and 8.2/22, and cancel / confirm from every status. No workers: nothing but the
// requests moves these jobs.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startBatchd } = require('./lib/batchd');
const { ISO_TIME, apiError } = require('./lib/helpers');

const AT = '2022-06-27T22:00:00.000Z';
const mine = (id, timestamps = {}, extra = {}) => ({
  id,
  type: 'product-export',
  created_by: 'admin_user',
  context: {},
  ...timestamps,
  ...extra,
});

const JOBS = [
  mine('job_created'),
  mine('job_pre_processed', { pre_processed_at: AT }, { dry_run: true }),
  mine('job_to_confirm', { pre_processed_at: AT }, { dry_run: true }),
  mine('job_confirmed', { pre_processed_at: AT, confirmed_at: AT }),
  mine('job_processing', { pre_processed_at: AT, confirmed_at: AT, processing_at: AT }),
  mine('job_complete', { pre_processed_at: AT, confirmed_at: AT, processing_at: AT, completed_at: new Date().toISOString() }),
  mine('job_failed', { failed_at: AT }, { result: { errors: ['it broke'] } }),
  mine('job_canceled', { canceled_at: AT }),
];

describe('status machine on seeded jobs', () => {
  let server;
  let medusa;

  before(async () => {
    server = await startBatchd({ jobs: JOBS, workers: 0 });
    medusa = server.medusa();
  });
  after(() => server && server.stop());

  it('seeded jobs show the status their timestamps imply', async () => {
    const { batch_jobs: jobs } = await medusa.admin.batchJobs.list({ limit: 50 });
    const status = Object.fromEntries(jobs.map((job) => [job.id, job.status]));
    assert.deepEqual(status, {
      job_created: 'created',
      job_pre_processed: 'pre_processed',
      job_to_confirm: 'pre_processed',
      job_confirmed: 'confirmed',
      job_processing: 'processing',
      job_complete: 'completed',
      job_failed: 'failed',
      job_canceled: 'canceled',
    });
  });

  it('8.1/8 cancelling a completed job is 400 not_allowed', async () => {
    const error = await apiError(medusa.admin.batchJobs.cancel('job_complete'));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { type: 'not_allowed', message: 'Cannot cancel completed batch job' });
    const { batch_job: job } = await medusa.admin.batchJobs.retrieve('job_complete');
    assert.equal(job.status, 'completed');
    assert.equal(job.canceled_at, null);
  });

  it('8.2/22 cancelling a failed job sets canceled_at but it stays failed', async () => {
    const { batch_job: job, response } = await medusa.admin.batchJobs.cancel('job_failed');
    assert.equal(response.status, 200);
    assert.match(job.canceled_at, ISO_TIME);
    assert.equal(job.status, 'failed');
    assert.deepEqual(job.result, { errors: ['it broke'] });
  });

  for (const [id, from] of [
    ['job_created', 'created'],
    ['job_pre_processed', 'pre_processed'],
    ['job_confirmed', 'confirmed'],
    ['job_processing', 'processing'],
  ]) {
    it(`cancel from ${from} gives 200 and status canceled`, async () => {
      const { batch_job: job, response } = await medusa.admin.batchJobs.cancel(id);
      assert.equal(response.status, 200);
      assert.equal(job.status, 'canceled');
      assert.match(job.canceled_at, ISO_TIME);
      const { batch_job: stored } = await medusa.admin.batchJobs.retrieve(id);
      assert.equal(stored.status, 'canceled');
    });
  }

  it('cancelling a canceled job again is allowed (a new canceled_at)', async () => {
    const { batch_job: job, response } = await medusa.admin.batchJobs.cancel('job_canceled');
    assert.equal(response.status, 200);
    assert.equal(job.status, 'canceled');
    assert.match(job.canceled_at, ISO_TIME);
    assert.notEqual(job.canceled_at, AT);
  });

  it('confirm turns a pre_processed dry run into confirmed', async () => {
    const { batch_job: job, response } = await medusa.admin.batchJobs.confirm('job_to_confirm');
    assert.equal(response.status, 200);
    assert.equal(job.status, 'confirmed');
    assert.match(job.confirmed_at, ISO_TIME);
    assert.equal(job.dry_run, true);
  });

  it('confirm is 400 from every status but pre_processed', async () => {
    const expected = {
      type: 'not_allowed',
      message: 'Cannot confirm processing for a batch job that is not pre processed',
    };
    // By now: job_to_confirm is confirmed, job_created … job_processing are canceled.
    for (const id of ['job_to_confirm', 'job_processing', 'job_complete', 'job_failed', 'job_created']) {
      const error = await apiError(medusa.admin.batchJobs.confirm(id));
      assert.equal(error.status, 400, id);
      assert.deepEqual(error.body, expected, id);
    }
  });
});
