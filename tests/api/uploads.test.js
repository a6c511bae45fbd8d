'use strict';
// Uploads (MEDUSA-SPEC §5, scenarios §8.7/42–45) and batchd's signed downloads (BATCHD-CONTRACT §B.5):
// multipart uploads through medusa-js, downloads through the signed URL byte for byte, refused
// signatures, path-escaping keys, bodies that are not multipart, and the upload size limit.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const { startBatchd } = require('./lib/batchd');
const { apiError } = require('./lib/helpers');

const SECRET = 'uploads-test-secret-0123456789abcdef0123456789';
const UPLOAD_LIMIT = 1024 * 1024;
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

/// medusa-js 6.1.10 posts a FormData through axios 0.24, whose Node adapter cannot send one ("Data
/// after transformation must be a string…"); in a browser the XHR adapter sends it and drops the bare
/// `multipart/form-data` Content-Type so that the browser adds the boundary (MEDUSA-SPEC §6.2). This
/// adapter does the same with Node's fetch, so the client's own requests reach the server as a
/// browser's would. Non-2xx answers reject with `error.response`, as axios does.
async function fetchAdapter(config) {
  const url = new URL(config.url, config.baseURL);
  const headers = {};
  for (const [name, value] of Object.entries(config.headers || {})) {
    if (value === undefined || value === null) continue;
    if (config.data instanceof FormData && name.toLowerCase() === 'content-type') continue;
    headers[name] = String(value);
  }
  const response = await fetch(url, { method: config.method.toUpperCase(), headers, body: config.data });
  const text = await response.text();
  let data = text;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const result = {
    data,
    status: response.status,
    statusText: response.statusText,
    headers: Object.fromEntries(response.headers),
    config,
    request: {},
  };
  if (config.validateStatus && !config.validateStatus(response.status)) {
    const error = new Error(`Request failed with status code ${response.status}`);
    error.response = result;
    error.config = config;
    throw error;
  }
  return result;
}

function sign(key, expires) {
  return crypto.createHmac('sha256', SECRET).update(`${key}\n${expires}`).digest('hex');
}

function linkFor(baseUrl, key, expires, signature = sign(key, expires)) {
  return `${baseUrl}/files/${encodeURIComponent(key)}?expires=${expires}&signature=${signature}`;
}

async function download(url) {
  const response = await fetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

/// A multipart body by hand, for the cases FormData cannot make.
function multipart(boundary, parts, { close = true } = {}) {
  const chunks = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers}\r\n\r\n`), Buffer.from(part.body), Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function spoolFilesOf(pid) {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`batchd-upload-${pid}-`));
}

describe('uploads and signed downloads', () => {
  let server;
  let medusa;

  before(async () => {
    server = await startBatchd({
      workers: 0,
      env: { BATCHD_SIGNING_SECRET: SECRET, BATCHD_UPLOAD_LIMIT: String(UPLOAD_LIMIT) },
    });
    medusa = server.medusa();
    medusa.client.axiosClient.defaults.adapter = fetchAdapter;
  });
  after(() => server && server.stop());

  it('8.7/42 POST /admin/uploads with two files under `files` gives their urls and keys in order', async () => {
    const csv = 'Product Id;Product Handle\r\nprod_1;"a ""quoted"" handle"\r\n';
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const result = await medusa.admin.uploads.create([
      new File([csv], 'products.csv', { type: 'text/csv' }),
      new File([binary], 'raw bytes.bin'),
    ]);
    assert.equal(result.response.status, 200);
    assert.deepEqual(Object.keys(result).filter((k) => k !== 'response'), ['uploads']);
    assert.equal(result.uploads.length, 2);
    const [first, second] = result.uploads;
    assert.deepEqual(Object.keys(first).sort(), ['key', 'url']);
    assert.match(first.key, new RegExp(`^admin_user/uploads/${ULID}-products\\.csv$`));
    assert.match(second.key, new RegExp(`^admin_user/uploads/${ULID}-raw bytes\\.bin$`));
    assert.ok(first.url.startsWith(`${server.baseUrl}/files/`), first.url);

    const csvDownload = await download(first.url);
    assert.equal(csvDownload.status, 200);
    assert.equal(csvDownload.body.toString('utf8'), csv);
    assert.match(csvDownload.headers.get('content-type'), /^text\/csv/);
    assert.match(csvDownload.headers.get('content-disposition'), /^attachment; filename="products\.csv"/);

    const binDownload = await download(second.url);
    assert.equal(binDownload.status, 200);
    assert.ok(binDownload.body.equals(binary), 'the exact bytes come back');
    assert.equal(binDownload.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(spoolFilesOf(server.pid), [], 'the spool files are gone');
  });

  it('8.7/42 no files gives an empty list; text fields are ignored', async () => {
    const form = new FormData();
    form.append('note', 'not a file');
    const response = await fetch(`${server.baseUrl}/admin/uploads`, {
      method: 'POST',
      headers: { 'x-medusa-access-token': 'test_token' },
      body: form,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { uploads: [] });
  });

  it('8.7/43 POST /admin/uploads/protected gives the same shape', async () => {
    const content = 'id;title\r\n1;x\r\n';
    const result = await medusa.admin.uploads.createProtected(new File([content], 'import.csv'));
    assert.equal(result.uploads.length, 1);
    assert.match(result.uploads[0].key, new RegExp(`^admin_user/protected/${ULID}-import\\.csv$`));
    const fetched = await download(result.uploads[0].url);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body.toString(), content);
  });

  it('8.7/44 download-url gives a signed link to the exact bytes, also of a large file', async () => {
    const big = crypto.randomBytes(900 * 1024);
    // Text that looks like a boundary must survive the multipart parser.
    big.write('\r\n------formdata-undici-0\r\n--', 1000, 'latin1');
    const { uploads } = await medusa.admin.uploads.create(new File([big], 'big.bin'));
    const key = uploads[0].key;
    const result = await medusa.admin.uploads.getPresignedDownloadUrl({ file_key: key });
    assert.equal(result.response.status, 200);
    assert.deepEqual(Object.keys(result).filter((k) => k !== 'response'), ['download_url']);
    const url = new URL(result.download_url);
    assert.equal(url.pathname, `/files/${encodeURIComponent(key)}`);
    const expires = Number(url.searchParams.get('expires'));
    assert.ok(Math.abs(expires - (Date.now() + 3600_000)) < 60_000, 'valid for one hour');
    assert.equal(url.searchParams.get('signature'), sign(key, expires), 'HMAC-SHA256 of key and expiry');
    const fetched = await download(result.download_url);
    assert.equal(fetched.status, 200);
    assert.equal(Number(fetched.headers.get('content-length')), big.length);
    assert.ok(fetched.body.equals(big), 'the exact bytes come back');
  });

  it('8.7/44 download-url of a file that does not exist is 404', async () => {
    const missing = await apiError(medusa.admin.uploads.getPresignedDownloadUrl({ file_key: 'admin_user/uploads/nothing.csv' }));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.type, 'not_found');
  });

  it('8.7/45 DELETE /admin/uploads removes the file; {} is 400 file_key must be a string', async () => {
    const { uploads } = await medusa.admin.uploads.create(new File(['bye'], 'gone.csv'));
    const key = uploads[0].key;
    const result = await medusa.admin.uploads.delete({ file_key: key });
    assert.equal(result.response.status, 200);
    const { response, ...body } = result;
    assert.deepEqual(body, { id: key, object: 'file', deleted: true });
    assert.equal((await download(uploads[0].url)).status, 404, 'the old link finds nothing');
    const again = await apiError(medusa.admin.uploads.getPresignedDownloadUrl({ file_key: key }));
    assert.equal(again.status, 404);

    const empty = await apiError(medusa.admin.uploads.delete({}));
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.body, { type: 'invalid_data', message: 'file_key must be a string' });
    const number = await server.fetch('DELETE', '/admin/uploads', { body: { file_key: 5 } });
    assert.equal(number.status, 400);
    assert.equal(number.json.message, 'file_key must be a string');
    const unknown = await server.fetch('DELETE', '/admin/uploads', { body: { file_key: key, other: 1 } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.json, { type: 'invalid_data', message: 'property other should not exist' });
    const urlEmpty = await apiError(medusa.admin.uploads.getPresignedDownloadUrl({}));
    assert.equal(urlEmpty.status, 400);
    assert.equal(urlEmpty.body.message, 'file_key must be a string');
  });

  it('the upload routes need admin credentials; downloads need only the signature', async () => {
    const routes = [
      ['POST', '/admin/uploads'],
      ['POST', '/admin/uploads/protected'],
      ['DELETE', '/admin/uploads'],
      ['POST', '/admin/uploads/download-url'],
    ];
    for (const [method, path] of routes) {
      const response = await server.fetch(method, path, { body: { file_key: 'x' }, token: null });
      assert.equal(response.status, 401, `${method} ${path}`);
    }
  });

  it('an unauthenticated upload is refused before its body is read or spooled', async () => {
    // Headers announce 512 KB (under the limit), one small piece follows: the 401 must come without the rest.
    const url = new URL(`${server.baseUrl}/admin/uploads`);
    const answer = await new Promise((resolve, reject) => {
      const request = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz', 'content-length': String(512 * 1024) },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk) => { text += chunk; });
        response.on('end', () => resolve({ status: response.statusCode, text, spooled: spoolFilesOf(server.pid) }));
      });
      request.on('error', reject);
      request.write('--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\n\r\n');
    });
    assert.equal(answer.status, 401);
    assert.equal(answer.text, 'Unauthorized');
    assert.deepEqual(answer.spooled, []);
  });

  it('a tampered or expired signature is 403; a correct one made here is accepted', async () => {
    const content = 'secret;data\r\n';
    const { uploads } = await medusa.admin.uploads.create(new File([content], 'signed.csv'));
    const key = uploads[0].key;
    const url = new URL(uploads[0].url);
    const expires = url.searchParams.get('expires');
    const signature = url.searchParams.get('signature');

    const valid = await download(linkFor(server.baseUrl, key, Date.now() + 60_000));
    assert.equal(valid.status, 200, 'the test signs as the server does');
    assert.equal(valid.body.toString(), content);

    const forbidden = [
      linkFor(server.baseUrl, key, expires, signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))),
      linkFor(server.baseUrl, key, Number(expires) + 1, signature),  // a later expiry, same signature
      linkFor(server.baseUrl, key, Date.now() - 1000),  // correctly signed, but expired
      `${server.baseUrl}/files/${encodeURIComponent(key)}?expires=${expires}`,
      `${server.baseUrl}/files/${encodeURIComponent(key)}?signature=${signature}`,
      `${server.baseUrl}/files/${encodeURIComponent(key)}`,
      `${server.baseUrl}/files/${encodeURIComponent(key)}?expires=soon&signature=${signature}`,
    ];
    for (const link of forbidden) {
      const response = await fetch(link);
      assert.equal(response.status, 403, link);
      const body = await response.json();
      assert.equal(body.type, 'not_allowed', link);
    }
    // The signature names one key: it does not open another file.
    const other = await medusa.admin.uploads.create(new File(['other'], 'other.csv'));
    const stolen = await download(linkFor(server.baseUrl, other.uploads[0].key, expires, signature));
    assert.equal(stolen.status, 403);
  });

  it('keys that could leave the files folder are refused with 400', async () => {
    for (const key of ['../etc/passwd', '/etc/passwd', 'uploads/../../x', 'a\u0000b', '', 'uploads/./x']) {
      const url = await server.fetch('POST', '/admin/uploads/download-url', { body: { file_key: key } });
      assert.equal(url.status, 400, `download-url ${JSON.stringify(key)}`);
      assert.equal(url.json.type, 'invalid_data');
      const removed = await server.fetch('DELETE', '/admin/uploads', { body: { file_key: key } });
      assert.equal(removed.status, 400, `delete ${JSON.stringify(key)}`);
      if (key !== '') {
        const fetched = await download(linkFor(server.baseUrl, key, Date.now() + 60_000));
        assert.equal(fetched.status, 400, `GET /files ${JSON.stringify(key)}`);
      }
    }
  });

  it('a body that is not multipart, or broken multipart, is 400 and stores nothing', async () => {
    const json = await server.fetch('POST', '/admin/uploads', { body: { files: [] } });
    assert.equal(json.status, 400);
    assert.equal(json.json.type, 'invalid_data');
    const text = await server.fetch('POST', '/admin/uploads', { body: 'plain', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 400);
    const noBoundary = await server.fetch('POST', '/admin/uploads/protected', {
      body: 'x',
      headers: { 'content-type': 'multipart/form-data' },
    });
    assert.equal(noBoundary.status, 400);
    assert.match(noBoundary.json.message, /boundary/);

    const file = { headers: 'Content-Disposition: form-data; name="files"; filename="a.csv"', body: 'a;b' };
    const truncated = await server.fetch('POST', '/admin/uploads', {
      body: multipart('xyz', [file], { close: false }),
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
    });
    assert.equal(truncated.status, 400);
    assert.match(truncated.json.message, /^Malformed multipart body/);

    const otherField = await server.fetch('POST', '/admin/uploads', {
      body: multipart('xyz', [file, { headers: 'Content-Disposition: form-data; name="avatar"; filename="b.png"', body: 'png' }]),
      headers: { 'content-type': 'multipart/form-data; boundary="xyz"' },
    });
    assert.equal(otherField.status, 400);
    assert.equal(otherField.json.type, 'invalid_data');
    assert.match(otherField.json.message, /avatar/);

    // The quoted boundary works, and the first file of the refused request was not kept.
    const fine = await server.fetch('POST', '/admin/uploads', {
      body: multipart('xyz', [file]),
      headers: { 'content-type': 'multipart/form-data; boundary="xyz"' },
    });
    assert.equal(fine.status, 200);
    assert.equal(fine.json.uploads.length, 1);
    const filesDir = fs.readdirSync(`${server.dataDir}`, { recursive: true }).filter((p) => /-a\.csv$/.test(p));
    assert.equal(filesDir.length, 1, `only the accepted upload is on disk: ${filesDir}`);
    assert.deepEqual(spoolFilesOf(server.pid), []);
  });

  it('a body over the upload limit is 413, with or without a Content-Length', async () => {
    const form = new FormData();
    form.append('files', new File([crypto.randomBytes(UPLOAD_LIMIT + 512 * 1024)], 'huge.bin'));
    const sized = await fetch(`${server.baseUrl}/admin/uploads`, {
      method: 'POST',
      headers: { 'x-medusa-access-token': 'test_token' },
      body: form,
    });
    assert.equal(sized.status, 413);
    assert.match((await sized.json()).message, /larger than the limit of 1048576 bytes/);

    const boundary = 'chunkedboundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="c.bin"\r\n\r\n`,
    );
    const block = crypto.randomBytes(64 * 1024);
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent === 0) controller.enqueue(head);
        if (sent > UPLOAD_LIMIT * 1.5) {
          controller.close();
          return;
        }
        controller.enqueue(block);
        sent += block.length;
      },
    });
    let status;
    try {
      const chunked = await fetch(`${server.baseUrl}/admin/uploads`, {
        method: 'POST',
        headers: { 'x-medusa-access-token': 'test_token', 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: stream,
        duplex: 'half',
      });
      status = chunked.status;
    } catch (error) {
      assert.fail(`the chunked upload got no answer: ${error.cause || error}`);
    }
    assert.equal(status, 413);
    // The server is still fine, and left no spool file behind.
    const after = await medusa.admin.uploads.create(new File(['ok'], 'after.csv'));
    assert.equal(after.uploads.length, 1);
    assert.deepEqual(spoolFilesOf(server.pid), []);
  });
});
