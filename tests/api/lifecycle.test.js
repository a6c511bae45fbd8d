'use strict';
// Jobs that really run, on two workers, with the test plugin's strategies (tests/plugin):
//   test-count {n, delay_ms, pre_delay_ms}  counts n units, delay_ms apart; stat descriptor in pre-processing
//   test-fail  {phase, message}             fails in "prepare", "pre_process" or "process"
//   test-sleep {pre_ms, process_ms}         sleeps in each phase (stops early when canceled)
//   test-noop  {}                           does nothing
// Scenario 8.2/16 (a product-export dry run in Medusa) uses test-count: product-export comes later.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startBatchd } = require('./lib/batchd');
const {
  ISO_TIME,
  apiError,
  sleep,
  waitForJob,
  waitForFinal,
  waitForStatus,
  hasError,
  countDescriptor,
} = require('./lib/helpers');

describe('job lifecycle with workers', () => {
  let server;
  let medusa;

  before(async () => {
    server = await startBatchd({ workers: 2 });
    medusa = server.medusa();
  });
  after(() => server && server.stop());

  const create = async (type, context = {}, dryRun = undefined) => {
    const payload = { type, context };
    if (dryRun !== undefined) payload.dry_run = dryRun;
    const { batch_job: job, response } = await medusa.admin.batchJobs.create(payload);
    assert.equal(response.status, 201);
    return job;
  };

  it('test-noop runs through every status to completed', async () => {
    const created = await create('test-noop');
    assert.equal(created.status, 'created');
    const job = await waitForFinal(medusa, created.id);
    assert.equal(job.status, 'completed');
    for (const column of ['pre_processed_at', 'confirmed_at', 'processing_at', 'completed_at']) {
      assert.match(job[column], ISO_TIME, column);
    }
    assert.equal(job.canceled_at, null);
    assert.equal(job.failed_at, null);
  });

  it('test-count (not a dry run) is confirmed by itself and completes with its counts', async () => {
    const created = await create('test-count', { n: 3 });
    const job = await waitForFinal(medusa, created.id);
    assert.equal(job.status, 'completed');
    assert.equal(job.dry_run, false);
    assert.equal(job.result.count, 3);
    assert.equal(job.result.advancement_count, 3);
    assert.equal(job.result.progress, 1);
    assert.deepEqual(job.result.stat_descriptors, [countDescriptor(3)]);
  });

  it('8.2/16 (test-count in place of product-export) a dry run waits in pre_processed until confirmed, then completes', async () => {
    const created = await create('test-count', { n: 4 }, true);
    assert.equal(created.dry_run, true);
    const pre = await waitForStatus(medusa, created.id, 'pre_processed');
    assert.deepEqual(pre.result.stat_descriptors[0], countDescriptor(4));
    assert.equal(pre.result.count, 4);
    assert.equal(pre.confirmed_at, null);

    await sleep(1500);
    const { batch_job: still } = await medusa.admin.batchJobs.retrieve(created.id);
    assert.equal(still.status, 'pre_processed', 'a dry run does not go on by itself');
    assert.equal(still.processing_at, null);

    const { batch_job: confirmed, response } = await medusa.admin.batchJobs.confirm(created.id);
    assert.equal(response.status, 200);
    assert.equal(confirmed.status, 'confirmed');
    assert.match(confirmed.confirmed_at, ISO_TIME);

    const done = await waitForFinal(medusa, created.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.result.advancement_count, 4);
    assert.equal(done.result.progress, 1);
  });

  it('processing and a rising advancement_count/progress are visible while test-count runs', async () => {
    const n = 20;
    const created = await create('test-count', { n, delay_ms: 100 });
    const seen = [];
    const done = await waitForFinal(medusa, created.id, { intervalMs: 40, seen });
    assert.equal(done.status, 'completed');
    assert.equal(done.result.advancement_count, n);
    assert.equal(done.result.progress, 1);

    const processing = seen.filter((job) => job.status === 'processing');
    assert.ok(processing.length > 0, 'saw the job in processing');
    const advancement = seen.map((job) => (job.result && job.result.advancement_count) || 0);
    for (let i = 1; i < advancement.length; ++i) {
      assert.ok(advancement[i] >= advancement[i - 1], `advancement never goes back: ${advancement}`);
    }
    const partial = processing.filter((job) => job.result && job.result.advancement_count > 0 && job.result.advancement_count < n);
    assert.ok(partial.length > 0, `saw a partial advancement while processing: ${advancement}`);
    for (const job of partial) {
      assert.equal(job.result.count, n);
      assert.ok(Math.abs(job.result.progress - job.result.advancement_count / n) < 1e-9, 'progress = advancement / count');
    }
    assert.ok(new Set(advancement).size >= 3, `advancement rose through several values: ${advancement}`);
  });

  it('a strategy failing in pre_process fails the job with its message in result.errors', async () => {
    const created = await create('test-fail', { phase: 'pre_process', message: 'pre-process went wrong' });
    const job = await waitForFinal(medusa, created.id);
    assert.equal(job.status, 'failed');
    assert.match(job.failed_at, ISO_TIME);
    assert.ok(hasError(job, 'pre-process went wrong'), JSON.stringify(job.result));
    assert.equal(job.pre_processed_at, null);
    assert.equal(job.processing_at, null);
  });

  it('a strategy failing in process fails the job with its message in result.errors', async () => {
    const created = await create('test-fail', { phase: 'process', message: 'process went wrong' });
    const job = await waitForFinal(medusa, created.id);
    assert.equal(job.status, 'failed');
    assert.ok(hasError(job, 'process went wrong'), JSON.stringify(job.result));
    assert.match(job.confirmed_at, ISO_TIME);
    assert.equal(job.completed_at, null);
  });

  it('a strategy failing in prepare rejects the create request with its message', async () => {
    const before = await medusa.admin.batchJobs.list({ type: ['test-fail'] });
    const error = await apiError(
      medusa.admin.batchJobs.create({ type: 'test-fail', context: { phase: 'prepare', message: 'prepare said no' } }),
    );
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'prepare said no' });
    const afterList = await medusa.admin.batchJobs.list({ type: ['test-fail'] });
    assert.equal(afterList.count, before.count, 'no job was created');
  });

  it('cancel while created (pre-processing under way) ends the job canceled', async () => {
    const created = await create('test-count', { n: 2, pre_delay_ms: 3000 });
    const { batch_job: canceled } = await medusa.admin.batchJobs.cancel(created.id);
    assert.equal(canceled.status, 'canceled');
    await sleep(3500);  // past the pre-processing delay
    const { batch_job: job } = await medusa.admin.batchJobs.retrieve(created.id);
    assert.equal(job.status, 'canceled');
    assert.equal(job.pre_processed_at, null);
    assert.equal(job.processing_at, null);
    assert.equal(job.completed_at, null);
  });

  it('cancel while pre_processed (a dry run) ends the job canceled; confirm is then refused', async () => {
    const created = await create('test-count', { n: 2 }, true);
    await waitForStatus(medusa, created.id, 'pre_processed');
    const { batch_job: canceled } = await medusa.admin.batchJobs.cancel(created.id);
    assert.equal(canceled.status, 'canceled');
    const error = await apiError(medusa.admin.batchJobs.confirm(created.id));
    assert.equal(error.status, 400);
    assert.equal(error.body.message, 'Cannot confirm processing for a batch job that is not pre processed');
    await sleep(1000);
    const { batch_job: job } = await medusa.admin.batchJobs.retrieve(created.id);
    assert.equal(job.status, 'canceled');
    assert.equal(job.processing_at, null);
  });

  it('cancel while confirmed (both workers busy) ends the job canceled and it never runs', async () => {
    const target = await create('test-count', { n: 2 }, true);
    await waitForStatus(medusa, target.id, 'pre_processed');
    // Occupy both workers so that the confirmed job has to wait.
    const sleepers = [
      await create('test-sleep', { pre_ms: 0, process_ms: 20000 }),
      await create('test-sleep', { pre_ms: 0, process_ms: 20000 }),
    ];
    for (const sleeper of sleepers) {
      await waitForStatus(medusa, sleeper.id, 'processing');
    }
    const { batch_job: confirmed } = await medusa.admin.batchJobs.confirm(target.id);
    assert.equal(confirmed.status, 'confirmed');
    await sleep(500);
    const { batch_job: waiting } = await medusa.admin.batchJobs.retrieve(target.id);
    assert.equal(waiting.status, 'confirmed', 'no free worker: still confirmed');

    const { batch_job: canceled } = await medusa.admin.batchJobs.cancel(target.id);
    assert.equal(canceled.status, 'canceled');
    for (const sleeper of sleepers) {
      const { batch_job: stopped } = await medusa.admin.batchJobs.cancel(sleeper.id);
      assert.equal(stopped.status, 'canceled');
    }
    for (const sleeper of sleepers) {
      // A canceled sleeper stops within a second or so; its worker is then free again.
      await waitForJob(medusa, sleeper.id, (job) => job.status === 'canceled', { timeoutMs: 5000 });
    }
    await sleep(1500);
    const { batch_job: job } = await medusa.admin.batchJobs.retrieve(target.id);
    assert.equal(job.status, 'canceled');
    assert.equal(job.processing_at, null, 'the canceled job never started processing');
    assert.equal(job.completed_at, null);
  });

  it('cancel while processing stops the work within a couple of seconds and ends canceled', async () => {
    const n = 100;
    const created = await create('test-count', { n, delay_ms: 100 });
    await waitForJob(
      medusa,
      created.id,
      (job) => job.status === 'processing' && job.result && job.result.advancement_count > 0,
    );
    const { batch_job: canceled, response } = await medusa.admin.batchJobs.cancel(created.id);
    assert.equal(response.status, 200);
    assert.equal(canceled.status, 'canceled');

    // The worker notices at its next unit; after that the advancement stays where it stopped.
    await sleep(2000);
    const { batch_job: first } = await medusa.admin.batchJobs.retrieve(created.id);
    await sleep(1000);
    const { batch_job: second } = await medusa.admin.batchJobs.retrieve(created.id);
    assert.equal(second.status, 'canceled');
    assert.equal(second.completed_at, null);
    assert.equal(second.failed_at, null);
    assert.equal(second.result.advancement_count, first.result.advancement_count, 'the work stopped');
    assert.ok(second.result.advancement_count < n, 'it did not run to the end');
  });

  it('cancelling the completed test-count jobs is refused', async () => {
    const { batch_jobs: jobs } = await medusa.admin.batchJobs.list({ type: ['test-count'], limit: 100 });
    const completed = jobs.filter((job) => job.status === 'completed');
    assert.ok(completed.length >= 3);
    for (const job of completed) {
      const error = await apiError(medusa.admin.batchJobs.cancel(job.id));
      assert.equal(error.status, 400);
      assert.deepEqual(error.body, { type: 'not_allowed', message: 'Cannot cancel completed batch job' });
    }
  });
});
