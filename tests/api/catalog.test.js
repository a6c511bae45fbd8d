'use strict';
// The admin catalog routes (issue #5), driven with Medusa's own JS client: regions, a collection, a
// sales channel, products with variants, prices and options, reading them back, list filters,
// update, delete, price lists, orders (from a fixture), and the 4xx answers.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startBatchd } = require('./lib/batchd');
const { ISO_TIME, apiError } = require('./lib/helpers');

const PRODUCT_ID = /^prod_[0-9A-HJKMNP-TV-Z]{26}$/;

// Orders have no create route in v1's admin API: they come from the fixture.
const CATALOG_FIXTURE = {
  regions: [{ id: 'reg_fixture', name: 'Fixture Land', currency_code: 'usd', countries: ['us'] }],
  orders: [
    {
      id: 'order_old',
      display_id: 1,
      currency_code: 'usd',
      region_id: 'reg_fixture',
      payment_status: 'captured',
      fulfillment_status: 'fulfilled',
      subtotal: 7000,
      shipping_total: 1000,
      created_at: '2024-01-01T00:00:00.000Z',
      customer: { id: 'cus_1', email: 'old@example.com', first_name: 'Olga', last_name: 'Old' },
      shipping_address: { id: 'addr_1', address_1: 'Main St 1', city: 'Springfield', country_code: 'us' },
    },
    {
      id: 'order_new',
      display_id: 2,
      currency_code: 'usd',
      region_id: 'reg_fixture',
      created_at: '2024-02-01T00:00:00.000Z',
      email: 'new@example.com',
    },
  ],
};

describe('admin catalog routes', () => {
  let server;
  let medusa;
  let eu;
  let dk;
  let collection;
  let channel;
  let shirt;

  before(async () => {
    server = await startBatchd({ catalog: CATALOG_FIXTURE, workers: 0 });
    medusa = server.medusa();
  });
  after(() => server && server.stop());

  it('creates regions with Medusa\'s body and reads them back', async () => {
    const body = {
      name: 'Europe',
      currency_code: 'EUR',
      tax_rate: 20,
      countries: ['DE', 'FR'],
      payment_providers: [],
      fulfillment_providers: [],
    };
    ({ region: eu } = await medusa.admin.regions.create(body));
    assert.match(eu.id, /^reg_/);
    assert.equal(eu.currency_code, 'eur');
    assert.equal(eu.tax_rate, 20);
    assert.deepEqual(
      eu.countries.map((c) => c.iso_2),
      ['de', 'fr'],
    );
    assert.match(eu.created_at, ISO_TIME);
    ({ region: dk } = await medusa.admin.regions.create({ ...body, name: 'Denmark', currency_code: 'dkk', countries: ['dk'] }));

    const { region } = await medusa.admin.regions.retrieve(eu.id);
    assert.equal(region.name, 'Europe');
    const list = await medusa.admin.regions.list();
    assert.equal(list.count, 3); // two here, one from the fixture
    assert.equal(list.offset, 0);
    assert.ok(list.regions.some((r) => r.id === dk.id));
  });

  it('creates a collection, a sales channel and a category', async () => {
    ({ collection } = await medusa.admin.collections.create({ title: 'Test collection' }));
    assert.equal(collection.handle, 'test-collection');
    ({ sales_channel: channel } = await medusa.admin.salesChannels.create({ name: 'Web shop', description: 'online' }));
    assert.equal(channel.is_disabled, false);
    const { product_category: category } = await medusa.admin.productCategories.create({ name: 'Shirts' });
    assert.equal(category.handle, 'shirts');

    assert.equal((await medusa.admin.collections.list()).count, 1);
    assert.equal((await medusa.admin.salesChannels.list()).sales_channels[0].name, 'Web shop');
    assert.equal((await medusa.admin.productCategories.list()).product_categories[0].id, category.id);
    assert.equal((await medusa.admin.collections.retrieve(collection.id)).collection.title, 'Test collection');
  });

  it('creates a product with variants, prices and options, every relation expanded (scenario 23\'s body)', async () => {
    const { product, response } = await medusa.admin.products.create({
      title: 'Test export product',
      description: 'test-product-description',
      type: { value: 'test-type' },
      images: ['test-image.png', 'test-image-2.png'],
      collection_id: collection.id,
      tags: [{ value: '123' }, { value: '456' }],
      sales_channels: [{ id: channel.id }],
      options: [{ title: 'size' }, { title: 'color' }],
      variants: [
        {
          title: 'Test variant',
          inventory_quantity: 10,
          sku: 'test-variant-sku-product-export',
          prices: [
            { currency_code: 'usd', amount: 100 },
            { currency_code: 'eur', amount: 45 },
            { region_id: dk.id, amount: 30 },
          ],
          options: [{ value: 'large' }, { value: 'green' }],
        },
      ],
    });
    assert.equal(response.status, 200);
    shirt = product;
    assert.match(product.id, PRODUCT_ID);
    assert.equal(product.handle, 'test-export-product');
    assert.equal(product.status, 'draft');
    assert.equal(product.thumbnail, 'test-image.png');
    assert.equal(product.collection.id, collection.id);
    assert.equal(product.type.value, 'test-type');
    assert.deepEqual(
      product.tags.map((t) => t.value),
      ['123', '456'],
    );
    assert.deepEqual(
      product.images.map((i) => i.url),
      ['test-image.png', 'test-image-2.png'],
    );
    assert.deepEqual(
      product.sales_channels.map((c) => c.id),
      [channel.id],
    );
    assert.equal(product.profile.type, 'default');
    assert.deepEqual(
      product.options.map((o) => o.title),
      ['size', 'color'],
    );
    assert.equal(product.options[0].values[0].value, 'large');
    const [variant] = product.variants;
    assert.match(variant.id, /^variant_/);
    assert.equal(variant.product_id, product.id);
    assert.equal(variant.sku, 'test-variant-sku-product-export');
    assert.equal(variant.inventory_quantity, 10);
    assert.deepEqual(
      variant.prices.map((p) => [p.currency_code, p.amount, p.region_id]),
      [
        ['usd', 100, null],
        ['eur', 45, null],
        ['dkk', 30, dk.id],
      ],
    );
    assert.deepEqual(
      variant.options.map((o) => [o.value, o.option_id]),
      [
        ['large', product.options[0].id],
        ['green', product.options[1].id],
      ],
    );

    const { product: read } = await medusa.admin.products.retrieve(product.id);
    assert.deepEqual(read.variants[0].prices, variant.prices);
    assert.equal(read.collection.title, 'Test collection');
  });

  it('puts a product without channels in the default channel, and a gift card in the gift_card profile', async () => {
    const { product } = await medusa.admin.products.create({ title: 'Gift Card', is_giftcard: true, status: 'published' });
    assert.equal(product.is_giftcard, true);
    assert.equal(product.profile.type, 'gift_card');
    assert.equal(product.sales_channels.length, 1);
    assert.notEqual(product.sales_channels[0].id, channel.id);
    assert.equal(product.sales_channels[0].name, 'Default Sales Channel');
  });

  it('lists products with Medusa\'s filters', async () => {
    const all = await medusa.admin.products.list();
    assert.equal(all.count, 2);
    assert.equal(all.limit, 50);
    assert.equal(all.offset, 0);
    assert.equal(all.products[0].title, 'Gift Card'); // newest first

    const byCollection = await medusa.admin.products.list({ collection_id: [collection.id] });
    assert.deepEqual(
      byCollection.products.map((p) => p.id),
      [shirt.id],
    );
    assert.equal((await medusa.admin.products.list({ collection_id: collection.id })).count, 1);
    assert.equal((await medusa.admin.products.list({ title: 'Test export product' })).count, 1);
    assert.equal((await medusa.admin.products.list({ q: 'sku-product-export' })).count, 1);
    assert.equal((await medusa.admin.products.list({ id: [shirt.id] })).products[0].id, shirt.id);
    assert.equal((await medusa.admin.products.list({ status: ['published'] })).products[0].title, 'Gift Card');
    assert.equal((await medusa.admin.products.list({ is_giftcard: false })).count, 1);
    assert.equal((await medusa.admin.products.list({ sales_channel_id: [channel.id] })).count, 1);
    assert.equal((await medusa.admin.products.list({ tags: [shirt.tags[0].id] })).count, 1);
    assert.equal((await medusa.admin.products.list({ type_id: [shirt.type_id] })).count, 1);
    assert.equal((await medusa.admin.products.list({ created_at: { gt: '2000-01-01' } })).count, 2);

    const paged = await medusa.admin.products.list({ limit: 1, offset: 1, order: 'title' });
    assert.equal(paged.count, 2);
    assert.equal(paged.limit, 1);
    assert.equal(paged.offset, 1);
    assert.deepEqual(
      paged.products.map((p) => p.title),
      ['Test export product'],
    );

    const narrow = await medusa.admin.products.list({ expand: 'variants,variants.prices' });
    assert.ok(narrow.products[1].variants[0].prices.length === 3);
    assert.equal(narrow.products[1].tags, undefined);
  });

  it('updates the given fields; variants are replaced by id', async () => {
    const [variant] = shirt.variants;
    const { product } = await medusa.admin.products.update(shirt.id, {
      title: 'Updated test product',
      status: 'published',
      variants: [
        { id: variant.id, inventory_quantity: 3, prices: [{ currency_code: 'usd', amount: 150 }] },
        { title: 'Second variant', sku: 'second-sku', options: [{ value: 'small' }, { value: 'red' }] },
      ],
    });
    assert.equal(product.title, 'Updated test product');
    assert.equal(product.handle, 'test-export-product');
    assert.equal(product.description, 'test-product-description');
    assert.equal(product.status, 'published');
    assert.equal(product.variants.length, 2);
    assert.equal(product.variants[0].id, variant.id);
    assert.equal(product.variants[0].inventory_quantity, 3);
    assert.equal(product.variants[0].sku, 'test-variant-sku-product-export');
    assert.deepEqual(
      product.variants[0].prices.map((p) => [p.currency_code, p.amount]),
      [['usd', 150]],
    );
    assert.equal(product.variants[1].title, 'Second variant');
    assert.equal(product.variants[1].variant_rank, 1);
    assert.deepEqual(
      product.options[1].values.map((v) => v.value).sort(),
      ['green', 'red'],
    );
  });

  it('creates and reads price lists', async () => {
    const variantId = shirt.variants[0].id;
    const { price_list: created } = await medusa.admin.priceLists.create({
      name: 'Winter sale',
      description: 'cheaper',
      type: 'sale',
      prices: [
        { amount: 1000, variant_id: variantId, currency_code: 'usd' },
        { amount: 2080, variant_id: variantId, region_id: eu.id },
      ],
    });
    assert.match(created.id, /^pl_/);
    const { price_list: list } = await medusa.admin.priceLists.retrieve(created.id);
    assert.equal(list.name, 'Winter sale');
    assert.deepEqual(
      list.prices.map((p) => [p.currency_code, p.amount, p.region_id, p.variant_id, p.price_list_id]),
      [
        ['usd', 1000, null, variantId, created.id],
        ['eur', 2080, eu.id, variantId, created.id],
      ],
    );
    const lists = await medusa.admin.priceLists.list();
    assert.equal(lists.count, 1);
    assert.equal(lists.price_lists[0].id, created.id);
    const missing = await apiError(medusa.admin.priceLists.retrieve('pl_missing'));
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { type: 'not_found', message: 'Price list with id: pl_missing was not found' });
  });

  it('lists and reads orders with customer and shipping address', async () => {
    const list = await medusa.admin.orders.list();
    assert.equal(list.count, 2);
    assert.deepEqual(
      list.orders.map((o) => o.id),
      ['order_new', 'order_old'],
    );
    assert.equal((await medusa.admin.orders.list({ email: 'old@example.com' })).orders[0].id, 'order_old');
    assert.equal((await medusa.admin.orders.list({ payment_status: ['captured'] })).count, 1);
    assert.equal((await medusa.admin.orders.list({ created_at: { lt: '2024-01-15' } })).count, 1);

    const { order } = await medusa.admin.orders.retrieve('order_old');
    assert.equal(order.display_id, 1);
    assert.equal(order.fulfillment_status, 'fulfilled');
    assert.equal(order.total, 8000);
    assert.equal(order.customer.first_name, 'Olga');
    assert.equal(order.shipping_address.city, 'Springfield');
    const missing = await apiError(medusa.admin.orders.retrieve('order_missing'));
    assert.deepEqual(missing.body, { type: 'not_found', message: 'Order with id: order_missing was not found' });
  });

  it('answers bad input with 4xx, never 5xx', async () => {
    let error = await apiError(medusa.admin.products.create({ subtitle: 'no title' }));
    assert.equal(error.status, 400);
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'title must be a string' });

    error = await apiError(medusa.admin.products.create({ title: 'x', colour: 'red' }));
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'property colour should not exist' });

    error = await apiError(medusa.admin.products.create({ title: 'x', variants: [{ title: 'v', prices: [{ amount: 'ten', currency_code: 'usd' }] }] }));
    assert.deepEqual(error.body, {
      type: 'invalid_data',
      message: 'variants.0.prices.0.amount must be an integer number',
    });

    error = await apiError(medusa.admin.products.list({ colour: 'red' }));
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'property colour should not exist' });
    error = await apiError(medusa.admin.products.list({ order: 'price' }));
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'Order field price is not valid' });

    error = await apiError(medusa.admin.products.retrieve('prod_missing'));
    assert.equal(error.status, 404);
    assert.deepEqual(error.body, { type: 'not_found', message: 'Product with id: prod_missing was not found' });

    error = await apiError(medusa.admin.products.create({ title: 'Clash', handle: 'test-export-product' }));
    assert.equal(error.status, 422);
    assert.equal(error.body.type, 'duplicate_error');
    assert.equal(error.body.message, 'Product with handle test-export-product already exists.');

    error = await apiError(medusa.admin.products.create({ title: 'x', collection_id: 'pcol_missing' }));
    assert.deepEqual(error.body, { type: 'not_found', message: 'Product collection with id: pcol_missing was not found' });

    error = await apiError(medusa.admin.regions.create({ name: 'No currency', tax_rate: 0, countries: [] }));
    assert.deepEqual(error.body, { type: 'invalid_data', message: 'currency_code must be a string' });

    const raw = await server.fetch('POST', '/admin/products', { body: '{"title":' });
    assert.equal(raw.status, 400);
    assert.equal(raw.json.type, 'invalid_data');

    const anonymous = await server.fetch('GET', '/admin/products', { token: null });
    assert.equal(anonymous.status, 401);
  });

  it('deletes a product', async () => {
    const result = await medusa.admin.products.delete(shirt.id);
    assert.equal(result.response.status, 200);
    assert.equal(result.id, shirt.id);
    assert.equal(result.object, 'product');
    assert.equal(result.deleted, true);
    const error = await apiError(medusa.admin.products.retrieve(shirt.id));
    assert.equal(error.status, 404);
    assert.equal((await medusa.admin.products.list()).count, 1);
    const again = await apiError(medusa.admin.products.delete(shirt.id));
    assert.equal(again.status, 404);
  });
});
