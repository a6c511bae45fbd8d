'use strict';
// MEDUSA-SPEC §8.3 (product export, scenarios 23–25) through medusa-js, on the standard product
// seed (tests/fixtures/medusa-product-seed.json), and the whole client round trip: create, poll,
// ask for a download URL, download exactly the file the job describes.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startBatchd } = require('./lib/batchd');
const { waitForFinal } = require('./lib/helpers');

const SEED_FILE = path.join(__dirname, '..', 'fixtures', 'medusa-product-seed.json');

/// The 38 fixed columns of MEDUSA-SPEC §7.3, in order.
const FIXED_HEADER = [
  'Product Id', 'Product Handle', 'Product Title', 'Product Subtitle', 'Product Description',
  'Product Status', 'Product Thumbnail', 'Product Weight', 'Product Length', 'Product Width',
  'Product Height', 'Product HS Code', 'Product Origin Country', 'Product MID Code',
  'Product Material', 'Product Collection Title', 'Product Collection Handle', 'Product Type',
  'Product Tags', 'Product Discountable', 'Product External Id', 'Product Profile Name',
  'Product Profile Type', 'Variant Id', 'Variant Title', 'Variant SKU', 'Variant Barcode',
  'Variant Inventory Quantity', 'Variant Allow Backorder', 'Variant Manage Inventory',
  'Variant Weight', 'Variant Length', 'Variant Width', 'Variant Height', 'Variant HS Code',
  'Variant Origin Country', 'Variant MID Code', 'Variant Material',
];

function loadSeed() {
  const seed = JSON.parse(fs.readFileSync(SEED_FILE, 'utf8'));
  delete seed.users;
  delete seed.batch_jobs;
  return seed;
}

describe('product export (MEDUSA-SPEC §8.3)', () => {
  let server;
  let medusa;

  before(async () => {
    server = await startBatchd({ catalog: loadSeed(), workers: 2 });
    medusa = server.medusa();
  });
  after(() => server && server.stop());

  /// Creates the export, polls it to its end and downloads its file through a signed URL.
  async function exportProducts(context) {
    const { batch_job: created, response } = await medusa.admin.batchJobs.create({ type: 'product-export', context });
    assert.equal(response.status, 201);
    const job = await waitForFinal(medusa, created.id);
    assert.equal(job.status, 'completed', JSON.stringify(job.result));
    // The owner's folder and the job's id (docs/adr/0006-file-ownership.md).
    assert.equal(job.result.file_key, `admin_user/exports/products/product-export-${job.id}.csv`);
    const { download_url: url } = await medusa.admin.uploads.getPresignedDownloadUrl({ file_key: job.result.file_key });
    const download = await fetch(url);
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    return { job, bytes, text: bytes.toString('utf8') };
  }

  const dataLines = (text) => text.split('\r\n').filter((line) => line.length > 0);

  /// "Test export product" as scenario 23 creates it, with `description`.
  async function createTestExportProduct(description) {
    const { product, response } = await medusa.admin.products.create({
      title: 'Test export product',
      description,
      type: { value: 'test-type' },
      images: ['test-image.png', 'test-image-2.png'],
      collection_id: 'test-collection',
      tags: [{ value: '123' }, { value: '456' }],
      options: [{ title: 'size' }, { title: 'color' }],
      variants: [
        {
          title: 'Test variant',
          inventory_quantity: 10,
          sku: `test-variant-sku-product-export${description.includes('\n') ? '-lf' : ''}`,
          prices: [
            { currency_code: 'usd', amount: 100 },
            { currency_code: 'eur', amount: 45 },
            { currency_code: 'dkk', amount: 30 },
          ],
          options: [{ value: 'large' }, { value: 'green' }],
        },
      ],
    });
    assert.equal(response.status, 200);
    return product;
  }

  it('23. exports a product created through the API, with its file_size and fields', async () => {
    const product = await createTestExportProduct('test-product-description');
    const { job, bytes, text } = await exportProducts({ filterable_fields: { title: 'Test export product' } });

    assert.equal(job.result.file_size, bytes.length);
    assert.equal(job.result.count, 1);
    assert.equal(job.result.advancement_count, 1);
    assert.equal(job.result.progress, 1);
    assert.deepEqual(job.result.stat_descriptors, [
      {
        key: 'product-export-count',
        name: 'Product count to export',
        message: 'There will be 1 products exported by this action',
      },
    ]);

    const lines = dataLines(text);
    assert.equal(lines.length, 2, 'the header and one line');
    const header = lines[0].split(';');
    assert.deepEqual(header.slice(0, 38), FIXED_HEADER);
    const fields = lines[1].split(';');
    assert.equal(fields[0], product.id);
    assert.equal(fields[2], 'Test export product');
    assert.equal(fields[4], 'test-product-description');
    assert.equal(fields[23], product.variants[0].id);
    assert.equal(fields[24], 'Test variant');
    assert.equal(fields[25], 'test-variant-sku-product-export');

    // The derived cells of scenario 23.
    const cell = (name) => fields[header.indexOf(name)];
    assert.equal(fields[18], '"123,456"');
    assert.equal(cell('Price USD'), '1');
    assert.equal(cell('Price EUR'), '0.45');
    assert.equal(cell('Price DKK'), '0.3');
    assert.equal(cell('Option 1 Name'), 'size');
    assert.equal(cell('Option 1 Value'), 'large');
    assert.equal(cell('Option 2 Name'), 'color');
    assert.equal(cell('Option 2 Value'), 'green');
    assert.equal(cell('Image 1 Url'), 'test-image.png');
    assert.equal(cell('Image 2 Url'), 'test-image-2.png');
    assert.equal(cell('Product Type'), 'test-type');
    // Created without sales channels: the default one (BATCHD-CONTRACT §B.7: Id holds the id).
    assert.equal(cell('Sales Channel 1 Id'), product.sales_channels[0].id);
    assert.equal(cell('Sales Channel 1 Name'), product.sales_channels[0].name);
  });

  it('24. a description with a line feed is one quoted cell on one CRLF line', async () => {
    const description = 'test-product-description\ntest line 2';
    // Scenario 23's product goes first (Medusa runs each scenario on a fresh database).
    const earlier = await medusa.admin.products.list({ title: 'Test export product' });
    for (const old of earlier.products) {
      await medusa.admin.products.delete(old.id);
    }
    await createTestExportProduct(description);
    const { text } = await exportProducts({ filterable_fields: { title: 'Test export product' } });
    const lines = dataLines(text);
    assert.equal(lines.length, 2);
    assert.equal(lines[1].split(';')[4], '"test-product-description\ntest line 2"');
  });

  it('25. batch_size 1, ordered by created_at: the four variants of the oldest product', async () => {
    const { job, text } = await exportProducts({
      batch_size: 1,
      filterable_fields: { collection_id: 'test-collection' },
      order: 'created_at',
    });
    const lines = dataLines(text).slice(1);
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.equal(line.split(';')[0], 'test-product');
    }
    assert.equal(job.result.count, 1);
  });

  it('the prepared context of an export is stored as Medusa stores it', async () => {
    const { batch_job: job } = await medusa.admin.batchJobs.create({
      type: 'product-export',
      context: { filterable_fields: { title: 'X' } },
      dry_run: true,
    });
    // Compared as values: PostgreSQL keeps a context as jsonb, which orders keys its own way (as
    // Medusa's own PostgreSQL does); the strategy's unit test pins the byte order on creation.
    assert.deepEqual(
      job.context,
      JSON.parse(
        '{"list_config":{"relations":["variants","variants.prices","variants.options","profiles","images",' +
          '"options","options.values","tags","type","collection","variants.prices.region","sales_channels"],' +
          '"skip":0,"take":50,"order":{"created_at":"DESC"}},"filterable_fields":{"title":"X"}}',
      ),
    );
    await medusa.admin.batchJobs.cancel(job.id);
  });

  it('an export of nothing is the 38-column header alone, without count or progress', async () => {
    const { job, bytes } = await exportProducts({ filterable_fields: { title: 'no such product' } });
    assert.equal(bytes.length, 664);
    assert.equal(job.result.file_size, 664);
    assert.equal(bytes.toString('utf8'), `${FIXED_HEADER.join(';')}\r\n`);
    assert.equal(job.result.count, undefined);
    assert.equal(job.result.progress, undefined);
  });
});
