'use strict';
// Small helpers shared by the api tests: error capture for medusa-js calls, polling, seed data.

const assert = require('node:assert/strict');

const NOT_YOURS = {
  type: 'not_allowed',
  message: 'Cannot access a batch job that does not belong to the logged in user',
};

/// A batchd id: `batch_` and a 26-character ULID in Crockford base32 (MEDUSA-SPEC §1).
const BATCH_ID = /^batch_[0-9A-HJKMNP-TV-Z]{26}$/;

/// ISO-8601 UTC with milliseconds, as every timestamp on the wire.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const TIMESTAMPS = ['pre_processed_at', 'confirmed_at', 'processing_at', 'completed_at', 'canceled_at', 'failed_at'];

/// medusa-js rejects with an axios error on any non-2xx answer: returns { status, body } of it.
async function apiError(promise) {
  let result;
  try {
    result = await promise;
  } catch (error) {
    if (error && error.response) {
      return { status: error.response.status, body: error.response.data };
    }
    throw error;
  }
  assert.fail(`expected an HTTP error, got ${result.response && result.response.status}: ${JSON.stringify(result)}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Polls GET /admin/batch-jobs/:id (every `intervalMs`) until `predicate(job)` holds; returns the job.
/// `seen` (optional array) collects every job observed, in order.
async function waitForJob(medusa, id, predicate, { timeoutMs = 30_000, intervalMs = 50, seen } = {}) {
  const deadline = Date.now() + timeoutMs;
  let job;
  for (;;) {
    ({ batch_job: job } = await medusa.admin.batchJobs.retrieve(id));
    if (seen) seen.push(job);
    if (predicate(job)) return job;
    if (Date.now() > deadline) {
      assert.fail(`job ${id} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(job)}`);
    }
    await sleep(intervalMs);
  }
}

const FINAL = new Set(['completed', 'failed', 'canceled']);

/// Polls until the job is completed, failed or canceled.
function waitForFinal(medusa, id, options) {
  return waitForJob(medusa, id, (job) => FINAL.has(job.status), options);
}

/// Polls until the job has status `status`.
function waitForStatus(medusa, id, status, options) {
  return waitForJob(medusa, id, (job) => job.status === status, options);
}

/// Whether `result.errors` holds `message`, as a string (Medusa's setFailed) or an object's message.
function hasError(job, message) {
  const errors = (job.result && job.result.errors) || [];
  return errors.some((entry) => entry === message || (entry && entry.message === message));
}

/// The stat descriptor the test plugin's `test-count` writes during pre-processing.
function countDescriptor(n) {
  return {
    key: 'test-count',
    name: 'Units to count',
    message: `There will be ${n} units counted by this action`,
  };
}

/// The seed of MEDUSA-SPEC §8.1, in creation order (job_5 is the newest).
const SEED_8_1 = [
  { id: 'job_1', type: 'product-export', created_by: 'admin_user', context: {} },
  { id: 'job_2', type: 'product-export', created_by: 'admin_user', context: {} },
  { id: 'job_3', type: 'product-export', created_by: 'admin_user', context: {} },
  { id: 'job_4', type: 'product-export', created_by: 'member-user', context: {} },
  {
    id: 'job_5',
    type: 'product-export',
    created_by: 'admin_user',
    context: {},
    completed_at: '2022-06-27T22:00:00.000Z',
  },
];

module.exports = {
  NOT_YOURS,
  BATCH_ID,
  ISO_TIME,
  TIMESTAMPS,
  SEED_8_1,
  apiError,
  sleep,
  waitForJob,
  waitForFinal,
  waitForStatus,
  hasError,
  countDescriptor,
};
