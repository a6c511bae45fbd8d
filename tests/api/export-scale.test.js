'use strict';
// A product export of 100,000 variants (25,000 products × 4, made by `batchd seed`), on whichever
// store the suite runs against: every variant is a line, progress is visible while it runs, and
// batchd's peak resident memory stays under a fixed bound (read from /proc, never timed) — the
// export streams, it never holds the catalog. Then an export canceled half-way: it ends canceled
// and leaves no file behind (BATCHD-CONTRACT §B.2).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startBatchd } = require('./lib/batchd');
const { waitForFinal, waitForJob } = require('./lib/helpers');

const PRODUCTS = 25_000;
const VARIANTS_PER_PRODUCT = 4;
const VARIANTS = PRODUCTS * VARIANTS_PER_PRODUCT;

// The catalog of this test held in memory would take several times this (the CSV alone is tens of
// MB, and ASan's bookkeeping doubles what the heap holds); the server's own baseline under ASan is
// well under half of it.
const PEAK_RSS_LIMIT_MB = 300;

/// The peak resident set of process `pid` so far, in MB (VmHWM of /proc/<pid>/status).
function peakRssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  assert.ok(match, 'VmHWM in /proc/<pid>/status');
  return Number(match[1]) / 1024;
}

/// Every file under `dir`, as paths relative to it.
function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((name) => fs.statSync(path.join(dir, name)).isFile());
}

describe(`product export of ${VARIANTS} variants`, () => {
  let server;
  let medusa;

  before(async () => {
    server = await startBatchd({
      seed: ['--products', String(PRODUCTS), '--variants-per-product', String(VARIANTS_PER_PRODUCT)],
      workers: 2,
      // ASan keeps freed memory in quarantine (256 MB by default); a small one makes RSS measure
      // what the program holds, not what ASan holds back.
      env: { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS || ''}:quarantine_size_mb=16`.replace(/^:/, '') },
    });
    medusa = server.medusa();
  });
  after(() => server && server.stop());

  it('writes one line per variant, with progress visible on the way and flat memory', async () => {
    const { batch_job: created } = await medusa.admin.batchJobs.create({ type: 'product-export', context: {} });
    const seen = [];
    const job = await waitForFinal(medusa, created.id, { timeoutMs: 240_000, intervalMs: 20, seen });
    assert.equal(job.status, 'completed', JSON.stringify(job.result));
    assert.equal(job.result.count, PRODUCTS);
    assert.equal(job.result.advancement_count, PRODUCTS);

    const midway = seen.filter((s) => s.status === 'processing' && s.result && s.result.progress > 0 && s.result.progress < 1);
    assert.ok(midway.length > 0, `progress between 0 and 1 was seen while processing (${seen.length} polls)`);

    const { download_url: url } = await medusa.admin.uploads.getPresignedDownloadUrl({ file_key: job.result.file_key });
    const download = await fetch(url);
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    assert.equal(bytes.length, job.result.file_size);
    const lines = bytes.toString('utf8').split('\r\n').filter((line) => line.length > 0);
    assert.equal(lines.length, 1 + VARIANTS, 'the header and one line per variant');

    const peak = peakRssMb(server.pid);
    console.log(`# peak RSS of batchd after exporting ${VARIANTS} variants: ${peak.toFixed(1)} MB`);
    assert.ok(peak < PEAK_RSS_LIMIT_MB, `peak RSS ${peak.toFixed(1)} MB is under ${PEAK_RSS_LIMIT_MB} MB`);
  });

  it('canceled while processing: ends canceled, without file_key and without a file', async () => {
    const filesRoot = path.join(server.dataDir, 'files');
    const before = new Set(filesUnder(filesRoot));
    const { batch_job: created } = await medusa.admin.batchJobs.create({ type: 'product-export', context: {} });
    await waitForJob(
      medusa,
      created.id,
      (j) => (j.status === 'processing' && j.result && j.result.advancement_count > 0) || j.status === 'completed',
      { timeoutMs: 120_000, intervalMs: 10 },
    );
    const { batch_job: canceled } = await medusa.admin.batchJobs.cancel(created.id);
    assert.equal(canceled.status, 'canceled');
    // The cancel answers at once; the worker stops at its next page and then cleans up.
    const job = await waitForJob(medusa, created.id, (j) => j.result.file_key === undefined, { timeoutMs: 30_000 });
    assert.equal(job.status, 'canceled');
    assert.ok(job.result.advancement_count < PRODUCTS, 'it stopped before the end');
    assert.equal(job.result.file_key, undefined);
    assert.equal(job.result.file_size, undefined);
    const left = filesUnder(filesRoot).filter((name) => !before.has(name));
    assert.deepEqual(left, [], 'no file (finished or partial) is left by the canceled export');
  });
});
