'use strict';
// The bad-input catalogue (issue #7): garbage sent to every route, each case a table row with its
// request and the exact answer — status and error body {type, message}. Never a 5xx, never a hang,
// never a crash. Around the table: a slow client that stops half way is cut off after the read
// timeout while others are served; a job created before the catalogue completes normally, a job whose
// strategy fails ends `failed` with its message, and the store still lists and counts right.
//
// Every request goes over a bare socket (raw_http.js) with Connection: close, so that bytes no HTTP
// client would send (0xFF in a path, a NUL, a 64 KB header, a lying Content-Length) reach batchd as
// they are.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startBatchd } = require('../lib/batchd');
const { waitForFinal, hasError, sleep } = require('../lib/helpers');
const { buildRequest, exchange } = require('./raw_http');

const BODY_LIMIT = 102_400; // batchd's default (Medusa's 100 KB)
const UPLOAD_LIMIT = 64 * 1024; // small, so that an oversized upload is cheap to send
const READ_TIMEOUT_MS = 1_500; // BATCHD_READ_TIMEOUT_MS: how long a half-sent request may hang
const SQL = "'; DROP TABLE batch_job;--";
const SQL_PRODUCT = "'; DROP TABLE product;--";
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

const CATALOG = {
  regions: [{ id: 'reg_bad', name: 'Badland', currency_code: 'usd', countries: ['us'] }],
  products: [{ id: 'prod_bad', title: 'Plain Shirt', handle: 'plain-shirt', status: 'published' }],
  orders: [{ id: 'order_bad', display_id: 1, currency_code: 'usd', region_id: 'reg_bad', email: 'o@example.com' }],
};

// ---- building blocks of the table --------------------------------------------------------------

const invalid = (message) => ({ status: 400, error: { type: 'invalid_data', message } });
const notFound = (message) => ({ status: 404, error: { type: 'not_found', message } });
const tooLarge = (limit) => ({
  status: 413,
  error: { type: 'payload_too_large', message: `Request body is larger than the limit of ${limit} bytes` },
});
const malformedHttp = (message) => invalid(`Malformed HTTP request: ${message}`);
const notJson = (detail) => invalid(new RegExp(`^The request body is not valid JSON \\(${detail}`));
const TOO_DEEP = invalid('The request body is nested deeper than 256 levels');
const NOT_OBJECT = invalid('The request body must be a JSON object');
const BAD_LINK = { status: 403, error: { type: 'not_allowed', message: 'The download link is invalid or has expired' } };
const badKey = (why) => invalid(`Invalid file key: ${why}`);
const TRAVERSAL = badKey("it must be a relative path of names, without '.' or '..' parts");
const NUL_QUERY = invalid('Query parameters must not contain NUL bytes');
const NUL_BODY = invalid('The request body must not contain NUL characters (\\u0000)');
const nulParam = (name) => invalid(`The path parameter ${name} must not contain NUL bytes`);
const badParam = (text) => invalid(`Failed to decode param '${text}'`);
const nothingFound = (listKey) => ({
  status: 200,
  check: (res) => {
    assert.equal(res.json.count, 0, `count of ${res.text}`);
    assert.deepEqual(res.json[listKey], []);
  },
});
const FFFD = '\ufffd';

const json = (method, path, body, more = {}) => ({ method, path, body, ...more });
const get = (path, more = {}) => ({ method: 'GET', path, ...more });
const multipart = (path, boundary, parts, more = {}) => ({
  method: 'POST',
  path,
  headers: { 'Content-Type': boundary === null ? 'multipart/form-data' : `multipart/form-data; boundary=${boundary}` },
  body: parts,
  ...more,
});
const part = (boundary, name, filename, content) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n` +
  `Content-Type: text/csv\r\n\r\n${content}\r\n`;
const closing = (boundary) => `--${boundary}--\r\n`;
const B = 'XbatchdBoundaryX';

// A signed-looking query for /files/:key: the key check comes before the signature check.
const SIGNED = '?expires=99999999999999&signature=00';

/// The catalogue. Fields: name; the request (method, path, headers, body, token, length) or `raw`
/// (all bytes); the answer: status and the exact `error` body, or a `check(res)`. Values may be
/// functions of the test context (ids known only once the server runs).
const CASES = [
  // --- POST /admin/batch-jobs: JSON that is not JSON, or not an object --------------------------
  { name: 'create: malformed JSON', ...json('POST', '/admin/batch-jobs', '{"type": test-count}'), ...notJson('syntax error') },
  { name: 'create: truncated JSON', ...json('POST', '/admin/batch-jobs', '{"type":"test-count","context":{"n":1}'), ...notJson('incomplete JSON') },
  { name: 'create: trailing garbage after the object', ...json('POST', '/admin/batch-jobs', '{} {}'), ...notJson('extra data') },
  { name: 'create: a top-level array', ...json('POST', '/admin/batch-jobs', '[]'), ...NOT_OBJECT },
  { name: 'create: a top-level string', ...json('POST', '/admin/batch-jobs', '"test-count"'), ...NOT_OBJECT },
  { name: 'create: a top-level null', ...json('POST', '/admin/batch-jobs', 'null'), ...NOT_OBJECT },
  { name: 'create: 100k nested [', ...json('POST', '/admin/batch-jobs', '['.repeat(100_000)), ...TOO_DEEP },
  {
    name: 'create: context nested 10k objects deep',
    ...json('POST', '/admin/batch-jobs', `{"type":"test-count","context":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}}`),
    ...TOO_DEEP,
  },
  { name: 'create: a lone UTF-16 surrogate escape', ...json('POST', '/admin/batch-jobs', '{"type":"\\ud800","context":{}}'), ...notJson('syntax error') },
  {
    name: 'create: a number out of range reaches the strategy as a number',
    ...json('POST', '/admin/batch-jobs', '{"type":"test-count","context":{"n":1e99999}}'),
    ...invalid('context.n must be an integer between 0 and 100000000'),
  },
  { name: 'create: a UTF-8 BOM before the JSON', ...json('POST', '/admin/batch-jobs', Buffer.from('\xef\xbb\xbf{"type":"nope","context":{}}', 'latin1')), ...notFound('Unable to find a BatchJob strategy with the type nope') },
  { name: 'create: NUL in a context string', ...json('POST', '/admin/batch-jobs', '{"type":"test-count","context":{"n":1,"note":"a\\u0000b"}}'), ...NUL_BODY },
  { name: 'create: NUL in a context key', ...json('POST', '/admin/batch-jobs', '{"type":"test-count","context":{"a\\u0000":1}}'), ...NUL_BODY },
  { name: 'create: raw NUL byte in the body', ...json('POST', '/admin/batch-jobs', '{"type":"test-count","context":{}}\u0000'), ...notJson('extra data') },
  { name: 'create: body over the limit (Content-Length)', ...json('POST', '/admin/batch-jobs', `{"type":"${'x'.repeat(BODY_LIMIT)}"}`), ...tooLarge(BODY_LIMIT) },
  {
    name: 'create: body over the limit (chunked)',
    raw: () =>
      Buffer.concat([
        buildRequest({ method: 'POST', path: '/admin/batch-jobs', headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/json' } }),
        Buffer.from(`${(BODY_LIMIT + 10).toString(16)}\r\n${'x'.repeat(BODY_LIMIT + 10)}\r\n0\r\n\r\n`),
      ]),
    ...tooLarge(BODY_LIMIT),
  },
  // --- wrong types and unknown fields ----------------------------------------------------------
  { name: 'create: empty object', ...json('POST', '/admin/batch-jobs', {}), ...invalid('type must be a string, context must be an object') },
  { name: 'create: type is a number', ...json('POST', '/admin/batch-jobs', { type: 7, context: {} }), ...invalid('type must be a string') },
  { name: 'create: context is an array', ...json('POST', '/admin/batch-jobs', { type: 'test-count', context: [] }), ...invalid('context must be an object') },
  { name: 'create: context is null', ...json('POST', '/admin/batch-jobs', { type: 'test-count', context: null }), ...invalid('context must be an object') },
  { name: 'create: dry_run is a string', ...json('POST', '/admin/batch-jobs', { type: 'test-count', context: {}, dry_run: 'yes' }), ...invalid('dry_run must be a boolean value') },
  {
    name: 'create: unknown fields come first',
    ...json('POST', '/admin/batch-jobs', { foo: 1, status: 'completed' }),
    ...invalid('property foo should not exist, property status should not exist, type must be a string, context must be an object'),
  },
  { name: 'create: unknown type', ...json('POST', '/admin/batch-jobs', { type: 'nope', context: {} }), ...notFound('Unable to find a BatchJob strategy with the type nope') },
  { name: 'create: SQL in type', ...json('POST', '/admin/batch-jobs', { type: SQL, context: {} }), ...notFound(`Unable to find a BatchJob strategy with the type ${SQL}`) },
  {
    name: 'create: invalid UTF-8 in a string value',
    ...json('POST', '/admin/batch-jobs', Buffer.from('{"type":"bad\xff\xfe","context":{}}', 'latin1')),
    ...notFound(`Unable to find a BatchJob strategy with the type bad${FFFD}${FFFD}`),
  },
  {
    name: 'create: invalid UTF-8 in a key',
    ...json('POST', '/admin/batch-jobs', Buffer.from('{"k\xc3":1,"type":"test-count","context":{}}', 'latin1')),
    ...invalid(`property k${FFFD} should not exist`),
  },
  { name: 'create: strategy refuses the job (test-fail prepare)', ...json('POST', '/admin/batch-jobs', { type: 'test-fail', context: { phase: 'prepare', message: 'no thanks' } }), ...invalid('no thanks') },
  { name: 'create: strategy refuses its context', ...json('POST', '/admin/batch-jobs', { type: 'test-fail', context: { phase: 'sometime' } }), ...invalid('context.phase must be one of prepare, pre_process, process') },
  // --- GET /admin/batch-jobs: query values -----------------------------------------------------
  { name: 'list: limit is not a number', ...get('/admin/batch-jobs?limit=ten'), ...invalid('limit must be a number conforming to the specified constraints') },
  { name: 'list: negative offset', ...get('/admin/batch-jobs?offset=-1'), ...invalid('offset must not be less than 0') },
  { name: 'list: limit as an array', ...get('/admin/batch-jobs?limit[]=1&limit[]=2'), ...invalid('limit must be a number conforming to the specified constraints') },
  { name: 'list: type as a scalar', ...get('/admin/batch-jobs?type=test-count'), ...invalid('type must be an array') },
  { name: 'list: unknown parameter', ...get('/admin/batch-jobs?status=completed&created_by=x'), ...invalid('property status should not exist, property created_by should not exist') },
  { name: 'list: SQL in order', ...get(`/admin/batch-jobs?order=${encodeURIComponent(SQL)}`), ...invalid(`Order field ${SQL} is not valid`) },
  { name: 'list: % in order', ...get('/admin/batch-jobs?order=-%25'), ...invalid('Order field % is not valid') },
  { name: 'list: SQL in fields', ...get(`/admin/batch-jobs?fields=id,${encodeURIComponent(SQL)}`), ...invalid(`Requested fields [${SQL}] are not valid`) },
  { name: 'list: quote and backslash in fields', ...get('/admin/batch-jobs?fields=%22,%5C'), ...invalid('Requested fields [", \\] are not valid') },
  { name: 'list: SQL in expand', ...get(`/admin/batch-jobs?expand=${encodeURIComponent(`created_by_user${SQL}`)}`), ...invalid(`Relations [created_by_user${SQL}] are not valid`) },
  { name: 'list: SQL in type[]', ...get(`/admin/batch-jobs?type[]=${encodeURIComponent(SQL)}`), ...nothingFound('batch_jobs') },
  { name: 'list: LIKE wildcards in id[] and type[]', ...get('/admin/batch-jobs?id[]=%25&id[]=_&type[]=%25&type[]=_'), ...nothingFound('batch_jobs') },
  { name: 'list: quote and backslash in type[]', ...get('/admin/batch-jobs?type[]=%22&type[]=%5C&type[]=%5C%27'), ...nothingFound('batch_jobs') },
  {
    name: 'list: SQL in a date filter',
    ...get(`/admin/batch-jobs?created_at[gt]=${encodeURIComponent(SQL)}`),
    ...invalid(JSON.stringify({ message: 'created_at must be one of: DateComparisonOperator', details: { DateComparisonOperator: ['gt must be a Date instance'] } })),
  },
  {
    name: 'list: date filter is a scalar',
    ...get('/admin/batch-jobs?completed_at=yesterday'),
    ...invalid(
      JSON.stringify({ message: 'completed_at must be one of: DateComparisonOperator', details: { DateComparisonOperator: ['an unknown value was passed to the validate function'] } }),
    ),
  },
  { name: 'list: NUL in a value', ...get('/admin/batch-jobs?type[]=a%00b'), ...NUL_QUERY },
  { name: 'list: NUL in a key', ...get('/admin/batch-jobs?ty%00pe[]=a'), ...NUL_QUERY },
  { name: 'list: raw invalid UTF-8 in the query', ...get(Buffer.from('/admin/batch-jobs?\xff\xfe=1', 'latin1')), ...invalid(`property ${FFFD}${FFFD} should not exist`) },
  { name: 'list: percent-encoded invalid UTF-8 in the query', ...get('/admin/batch-jobs?type[]=%FF%FE'), ...nothingFound('batch_jobs') },
  { name: 'list: brackets nested past the depth limit', ...get('/admin/batch-jobs?a[b][c][d][e][f][g][h]=1'), ...invalid('property a should not exist') },
  // --- GET/POST /admin/batch-jobs/:id ----------------------------------------------------------
  { name: 'get: SQL in the id', ...get(`/admin/batch-jobs/${encodeURIComponent(SQL)}`), ...notFound(`Batch job with id ${SQL} was not found`) },
  { name: 'get: % and _ in the id', ...get('/admin/batch-jobs/%25_'), ...notFound('Batch job with id %_ was not found') },
  { name: 'get: NUL in the id', ...get('/admin/batch-jobs/job%00x'), ...nulParam('id') },
  { name: 'get: %FF in the id', ...get('/admin/batch-jobs/%FF'), ...badParam('%FF') },
  { name: 'get: broken escape in the id', ...get('/admin/batch-jobs/%zz'), ...badParam('%zz') },
  { name: 'get: raw invalid UTF-8 in the id', ...get(Buffer.from('/admin/batch-jobs/\xc3\x28', 'latin1')), ...badParam(`${FFFD}(`) },
  { name: 'get: an 8 KB id', ...get(`/admin/batch-jobs/${'a'.repeat(8192)}`), ...notFound(`Batch job with id ${'a'.repeat(8192)} was not found`) },
  { name: 'confirm: SQL in the id', ...json('POST', `/admin/batch-jobs/${encodeURIComponent(SQL)}/confirm`, '{'), ...notFound(`Batch job with id ${SQL} was not found`) },
  {
    name: 'confirm: malformed body is ignored, the state is checked',
    ...json('POST', (ctx) => `/admin/batch-jobs/${ctx.countJob}/confirm`, '{"oops'),
    status: 400,
    error: { type: 'not_allowed', message: 'Cannot confirm processing for a batch job that is not pre processed' },
  },
  { name: 'confirm: body over the limit', ...json('POST', (ctx) => `/admin/batch-jobs/${ctx.countJob}/confirm`, 'x'.repeat(BODY_LIMIT + 1)), ...tooLarge(BODY_LIMIT) },
  { name: 'cancel: NUL in the id', ...json('POST', '/admin/batch-jobs/%00/cancel', {}), ...nulParam('id') },
  { name: 'cancel: traversal in the id', ...json('POST', '/admin/batch-jobs/..%2F..%2Fetc/cancel', {}), ...notFound('Batch job with id ../../etc was not found') },
  // --- uploads ---------------------------------------------------------------------------------
  { name: 'upload: JSON instead of multipart', ...json('POST', '/admin/uploads', { files: [] }), ...invalid('The request body must be multipart/form-data') },
  { name: 'upload: multipart without a boundary', ...multipart('/admin/uploads', null, 'irrelevant'), ...invalid('Malformed multipart body: the boundary is missing') },
  {
    name: 'upload: boundary over 70 characters',
    ...multipart('/admin/uploads', 'b'.repeat(71), 'irrelevant'),
    ...invalid('Malformed multipart body: the boundary is longer than 70 characters'),
  },
  { name: 'upload: truncated body', ...multipart('/admin/uploads', B, `--${B}\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\n\r\nhalf a fi`), ...invalid('Malformed multipart body: the body ends before the closing boundary') },
  { name: 'upload: no boundary in the body', ...multipart('/admin/uploads', B, 'just some text'), ...invalid('Malformed multipart body: no boundary was found in the body') },
  { name: 'upload: wrong field name', ...multipart('/admin/uploads', B, part(B, 'file', 'a.csv', 'x') + closing(B)), ...invalid('Unexpected field file: files are uploaded under the field name files') },
  { name: 'upload: part without Content-Disposition', ...multipart('/admin/uploads', B, `--${B}\r\nContent-Type: text/csv\r\n\r\nx\r\n${closing(B)}`), ...invalid('Malformed multipart body: a part has no Content-Disposition: form-data header') },
  {
    name: 'upload: oversized file',
    ...multipart('/admin/uploads', B, part(B, 'files', 'big.csv', 'x'.repeat(UPLOAD_LIMIT)) + closing(B)),
    ...tooLarge(UPLOAD_LIMIT),
  },
  {
    name: 'upload: traversal in the file name is stripped',
    ...multipart('/admin/uploads', B, part(B, 'files', '../../etc/passwd', 'x') + closing(B)),
    status: 200,
    check: (res) => assert.match(res.json.uploads[0].key, new RegExp(`^(admin_user/)?uploads/${ULID}-passwd$`)),
  },
  {
    name: 'upload: backslashes and NUL in the file name',
    ...multipart('/admin/uploads', B, part(B, 'files', '..\\..\\win\x00.ini', 'x') + closing(B)),
    status: 200,
    check: (res) => assert.match(res.json.uploads[0].key, new RegExp(`^(admin_user/)?uploads/${ULID}-win_\\.ini$`)),
  },
  {
    name: 'upload: a part header over the limit',
    ...multipart('/admin/uploads', B, `--${B}\r\nContent-Disposition: form-data; name="files"; filename="${'n'.repeat(20_000)}"\r\n\r\nx\r\n${closing(B)}`),
    ...invalid('Malformed multipart body: the headers of a part are longer than 16384 bytes'),
  },
  {
    name: 'upload: filename* that is not UTF-8',
    ...multipart('/admin/uploads', B, `--${B}\r\nContent-Disposition: form-data; name="files"; filename*=UTF-8''%FF%FE.csv\r\n\r\nx\r\n${closing(B)}`),
    status: 200,
    check: (res) => assert.match(res.json.uploads[0].key, new RegExp(`^(admin_user/)?uploads/${ULID}-__\\.csv$`)),
  },
  {
    name: 'upload: oversized, chunked',
    raw: () =>
      Buffer.concat([
        buildRequest({ method: 'POST', path: '/admin/uploads', headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': `multipart/form-data; boundary=${B}` } }),
        Buffer.from(`${(UPLOAD_LIMIT + 10).toString(16)}\r\n${'x'.repeat(UPLOAD_LIMIT + 10)}\r\n0\r\n\r\n`),
      ]),
    ...tooLarge(UPLOAD_LIMIT),
  },
  { name: 'upload protected: multipart without a boundary', ...multipart('/admin/uploads/protected', null, 'x'), ...invalid('Malformed multipart body: the boundary is missing') },
  { name: 'upload protected: wrong field name', ...multipart('/admin/uploads/protected', B, part(B, 'upload', 'a.csv', 'x') + closing(B)), ...invalid('Unexpected field upload: files are uploaded under the field name files') },
  { name: 'upload: wrong method', ...get('/admin/uploads'), status: 405, error: { type: 'not_allowed', message: 'Method GET is not allowed on /admin/uploads' } },
  // --- DELETE /admin/uploads, POST /admin/uploads/download-url ---------------------------------
  { name: 'delete upload: no body', ...json('DELETE', '/admin/uploads', undefined), ...invalid('file_key must be a string') },
  { name: 'delete upload: file_key is a number', ...json('DELETE', '/admin/uploads', { file_key: 1 }), ...invalid('file_key must be a string') },
  { name: 'delete upload: unknown field', ...json('DELETE', '/admin/uploads', { file_key: 'a', path: '/' }), ...invalid('property path should not exist') },
  { name: 'delete upload: malformed JSON', ...json('DELETE', '/admin/uploads', '{"file_key":'), ...notJson('incomplete JSON') },
  { name: 'delete upload: .. in the key', ...json('DELETE', '/admin/uploads', { file_key: 'uploads/../../etc/passwd' }), ...TRAVERSAL },
  { name: 'delete upload: absolute key', ...json('DELETE', '/admin/uploads', { file_key: '/etc/passwd' }), ...badKey('it is an absolute path') },
  { name: 'delete upload: NUL in the key', ...json('DELETE', '/admin/uploads', { file_key: 'uploads/a\u0000b' }), ...NUL_BODY },
  { name: 'delete upload: backslash traversal', ...json('DELETE', '/admin/uploads', { file_key: 'uploads\\..\\..\\x' }), ...TRAVERSAL },
  { name: 'delete upload: body over the limit', ...json('DELETE', '/admin/uploads', { file_key: 'k'.repeat(BODY_LIMIT) }), ...tooLarge(BODY_LIMIT) },
  { name: 'download-url: file_key missing', ...json('POST', '/admin/uploads/download-url', { key: 'a' }), ...invalid('property key should not exist, file_key must be a string') },
  { name: 'download-url: .. in the key', ...json('POST', '/admin/uploads/download-url', { file_key: '../secret' }), ...TRAVERSAL },
  { name: 'download-url: absolute key', ...json('POST', '/admin/uploads/download-url', { file_key: '\\windows\\system.ini' }), ...badKey('it is an absolute path') },
  { name: 'download-url: encoded traversal is a plain name', ...json('POST', '/admin/uploads/download-url', { file_key: 'admin_user/%2e%2e%2fsecret' }), ...notFound('File admin_user/%2e%2e%2fsecret was not found') },
  { name: 'download-url: SQL in the key', ...json('POST', '/admin/uploads/download-url', { file_key: `admin_user/${SQL}` }), ...notFound(`File admin_user/${SQL} was not found`) },
  { name: 'download-url: outside the caller\'s folder', ...json('POST', '/admin/uploads/download-url', { file_key: SQL }), status: 400, error: { type: 'not_allowed', message: 'Cannot access a file that does not belong to the logged in user' } },
  // --- GET /files/:key --------------------------------------------------------------------------
  { name: 'files: encoded ../ traversal', ...get(`/files/..%2F..%2Fetc%2Fpasswd${SIGNED}`, { token: null }), ...TRAVERSAL },
  { name: 'files: lower-case %2e%2e%2f', ...get(`/files/%2e%2e%2fetc%2fpasswd${SIGNED}`, { token: null }), ...TRAVERSAL },
  { name: 'files: encoded absolute path', ...get(`/files/%2Fetc%2Fpasswd${SIGNED}`, { token: null }), ...badKey('it is an absolute path') },
  { name: 'files: encoded backslashes', ...get(`/files/uploads%5C..%5C..%5Cx${SIGNED}`, { token: null }), ...TRAVERSAL },
  { name: 'files: NUL in the key', ...get(`/files/a%00b${SIGNED}`, { token: null }), ...nulParam('key') },
  { name: 'files: %FF in the key', ...get(`/files/%FF${SIGNED}`, { token: null }), ...badParam('%FF') },
  { name: 'files: raw ../ in the path', ...get('/files/../../etc/passwd', { token: null }), status: 404, error: { type: 'not_found', message: 'Cannot GET /files/../../etc/passwd' } },
  { name: 'files: no signature', ...get('/files/uploads%2Fa.csv', { token: null }), ...BAD_LINK },
  { name: 'files: expires is not a number', ...get('/files/uploads%2Fa.csv?expires=soon&signature=ab', { token: null }), ...BAD_LINK },
  { name: 'files: expires overflows', ...get('/files/uploads%2Fa.csv?expires=99999999999999999999999&signature=ab', { token: null }), ...BAD_LINK },
  { name: 'files: signature as an array', ...get('/files/uploads%2Fa.csv?expires=1&signature[]=a&signature[]=b', { token: null }), ...BAD_LINK },
  // --- catalog routes ---------------------------------------------------------------------------
  { name: 'products create: malformed JSON', ...json('POST', '/admin/products', '{"title":"x",}'), ...notJson('syntax error') },
  { name: 'products create: title is a number', ...json('POST', '/admin/products', { title: 5 }), ...invalid('title must be a string') },
  { name: 'products create: NUL in the title', ...json('POST', '/admin/products', { title: 'a\u0000b' }), ...NUL_BODY },
  { name: 'products create: a price amount out of range', ...json('POST', '/admin/products', '{"title":"x","variants":[{"title":"v","prices":[{"amount":1e400,"currency_code":"usd"}]}]}'), ...invalid('variants.0.prices.0.amount must be an integer number') },
  { name: 'products create: a price amount past int64', ...json('POST', '/admin/products', '{"title":"x","variants":[{"title":"v","prices":[{"amount":9223372036854775808,"currency_code":"usd"}]}]}'), ...invalid('variants.0.prices.0.amount must be an integer number') },
  { name: 'products create: weight is negative and fractional', ...json('POST', '/admin/products', { title: 'x', weight: -1.5 }), ...invalid('weight must be an integer number') },
  { name: 'products create: variants is an object', ...json('POST', '/admin/products', { title: 'x', variants: { title: 'v' } }), ...invalid('variants must be an array') },
  { name: 'products update: SQL in a string field', ...json('POST', '/admin/products/prod_bad', { subtitle: SQL_PRODUCT, status: 'nonsense' }), ...invalid('status must be one of the following values: draft, proposed, published, rejected') },
  { name: 'products create: unknown field', ...json('POST', '/admin/products', { title: 'x', owner: 'me' }), ...invalid('property owner should not exist') },
  { name: 'products create: 100k nested [ in a field', ...json('POST', '/admin/products', `{"title":"x","tags":${'['.repeat(99_000)}`), ...TOO_DEEP },
  { name: 'products list: SQL in q', ...get(`/admin/products?q=${encodeURIComponent(SQL_PRODUCT)}`), ...nothingFound('products') },
  { name: 'products list: % in q matches only a literal %', ...get('/admin/products?q=%25'), ...nothingFound('products') },
  { name: 'products list: _ in q matches only a literal _', ...get('/admin/products?q=_'), ...nothingFound('products') },
  { name: 'products list: quote and backslash in title/handle', ...get('/admin/products?title=%22&handle=%5C'), ...nothingFound('products') },
  { name: 'products list: SQL in id[] and collection_id', ...get(`/admin/products?id[]=${encodeURIComponent(SQL_PRODUCT)}&collection_id=%25`), ...nothingFound('products') },
  { name: 'products list: SQL in order', ...get(`/admin/products?order=${encodeURIComponent(SQL_PRODUCT)}`), ...invalid(`Order field ${SQL_PRODUCT} is not valid`) },
  { name: 'products list: SQL in expand', ...get(`/admin/products?expand=variants,${encodeURIComponent(SQL_PRODUCT)}`), ...invalid(`Relations [${SQL_PRODUCT}] are not valid`) },
  { name: 'products list: fields as an object', ...get('/admin/products?fields[a]=1'), ...invalid('fields must be a string') },
  { name: 'products list: bad status', ...get(`/admin/products?status[]=${encodeURIComponent(SQL_PRODUCT)}`), ...invalid('each value in status must be one of the following values: draft, proposed, published, rejected') },
  { name: 'products list: bad boolean', ...get('/admin/products?is_giftcard=1'), ...invalid('is_giftcard must be a boolean value') },
  { name: 'products list: bad date', ...get('/admin/products?created_at[gt]=%27;--'), ...invalid('created_at.gt must be a Date instance') },
  { name: 'products get: SQL in the id', ...get(`/admin/products/${encodeURIComponent(SQL_PRODUCT)}`), ...notFound(`Product with id: ${SQL_PRODUCT} was not found`) },
  { name: 'products delete: NUL in the id', ...json('DELETE', '/admin/products/prod%00', undefined), ...nulParam('id') },
  { name: 'regions create: wrong types', ...json('POST', '/admin/regions', { name: 1, currency_code: 'usd', tax_rate: 'high', countries: 'us' }), ...invalid('name must be a string, tax_rate must be a number conforming to the specified constraints, countries must be an array') },
  { name: 'regions list: limit is huge', ...get('/admin/regions?limit=1e400'), ...invalid('limit must be a number conforming to the specified constraints') },
  { name: 'regions get: %FF in the id', ...get('/admin/regions/%FF'), ...badParam('%FF') },
  { name: 'collections create: title is an array', ...json('POST', '/admin/collections', { title: ['x'] }), ...invalid('title must be a string') },
  { name: 'collections list: SQL as an unknown parameter', ...get(`/admin/collections?${encodeURIComponent(SQL)}=1`), ...invalid(`property ${SQL} should not exist`) },
  { name: 'sales channels create: unknown field', ...json('POST', '/admin/sales-channels', { name: 'x', is_default: true }), ...invalid('property is_default should not exist') },
  { name: 'sales channels get: SQL in the id', ...get(`/admin/sales-channels/${encodeURIComponent(SQL)}`), ...notFound(`Sales channel with id: ${SQL} was not found`) },
  { name: 'categories create: malformed JSON', ...json('POST', '/admin/product-categories', "{'name':'x'}"), ...notJson('syntax error') },
  { name: 'categories list: offset negative', ...get('/admin/product-categories?offset=-5'), ...invalid('offset must not be less than 0') },
  { name: 'price lists create: wrong type', ...json('POST', '/admin/price-lists', { name: 'x', description: 'y', type: SQL, prices: [] }), ...invalid('type must be one of the following values: sale, override') },
  { name: 'price lists get: SQL in the id', ...get(`/admin/price-lists/${encodeURIComponent(SQL)}`), ...notFound(`Price list with id: ${SQL} was not found`) },
  { name: 'orders list: SQL in email', ...get(`/admin/orders?email=${encodeURIComponent(SQL)}`), ...nothingFound('orders') },
  { name: 'orders list: % in email is no wildcard', ...get('/admin/orders?email=%25'), ...nothingFound('orders') },
  { name: 'orders list: bad status', ...get('/admin/orders?status[]=%22'), ...invalid('each value in status must be one of the following values: pending, completed, archived, canceled, requires_action') },
  { name: 'orders get: unknown query parameter', ...get('/admin/orders/order_bad?include=all'), ...invalid('property include should not exist') },
  { name: 'orders get: SQL in the id', ...get(`/admin/orders/${encodeURIComponent(SQL)}`), ...notFound(`Order with id: ${SQL} was not found`) },
  // --- the HTTP layer itself --------------------------------------------------------------------
  { name: 'http: a 64 KB header', ...get('/admin/batch-jobs', { headers: { 'X-Big': 'a'.repeat(64 * 1024) } }), status: 431, error: { type: 'invalid_data', message: 'Request header fields are too large' } },
  { name: 'http: a 20 KB URL', ...get(`/admin/batch-jobs?${'a'.repeat(20 * 1024)}=1`), status: 431, error: { type: 'invalid_data', message: 'Request header fields are too large' } },
  { name: 'http: not HTTP at all', raw: Buffer.from('HELLO THERE\r\n\r\n'), ...malformedHttp('bad target') },
  { name: 'http: a control byte as the method', raw: Buffer.from('\x01GET / HTTP/1.1\r\n\r\n', 'latin1'), ...malformedHttp('bad method') },
  { name: 'http: Content-Length past 2^64', ...json('POST', '/admin/batch-jobs', '{}', { headers: { 'Content-Length': '99999999999999999999999' } }), ...malformedHttp('bad Content-Length') },
  { name: 'http: Content-Length 1 TB, body never sent', ...json('POST', '/admin/batch-jobs', '', { headers: { 'Content-Length': String(2 ** 40) } }), ...tooLarge(BODY_LIMIT) },
  { name: 'http: negative Content-Length', ...json('POST', '/admin/batch-jobs', '{}', { headers: { 'Content-Length': '-2' } }), ...malformedHttp('bad Content-Length') },
  { name: 'http: an unknown Transfer-Encoding', ...json('POST', '/admin/batch-jobs', '{}', { headers: { 'Transfer-Encoding': 'gzip' } }), ...malformedHttp('unsupported Transfer-Encoding') },
  { name: 'http: chunked, then gzip', ...json('POST', '/admin/batch-jobs', '2\r\n{}\r\n0\r\n\r\n', { headers: { 'Transfer-Encoding': 'chunked, gzip' } }), ...malformedHttp('unsupported Transfer-Encoding') },
  { name: 'http: the HTTP/2 preface', raw: Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), ...malformedHttp('bad version') },
  { name: 'http: HTTP/1.0 without Host', raw: Buffer.from('GET /admin/batch-jobs?limit=ten HTTP/1.0\r\nx-medusa-access-token: test_token\r\n\r\n'), ...invalid('limit must be a number conforming to the specified constraints') },
  { name: 'http: invalid UTF-8 in Origin', ...get('/admin/batch-jobs?limit=1', { headers: { Origin: Buffer.from('http://\xff\xfe', 'latin1') } }),
    status: 200,
    check: (res) => assert.equal(res.json.limit, 1),
  },
  { name: 'http: an unknown method', ...get('/admin/batch-jobs', { method: 'BREW' }), status: 405, error: { type: 'not_allowed', message: 'Method BREW is not allowed on /admin/batch-jobs' } },
  {
    name: 'http: Expect 100-continue with an oversized body',
    ...json('POST', '/admin/batch-jobs', 'x'.repeat(BODY_LIMIT + 1), { headers: { Expect: '100-continue' } }),
    ...tooLarge(BODY_LIMIT),
  },
  { name: 'http: NUL in the request line', raw: Buffer.from('GET /admin/batch-jobs\x00 HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'), ...malformedHttp('bad target') },
  { name: 'http: Content-Length is not a number', ...json('POST', '/admin/batch-jobs', '{}', { headers: { 'Content-Length': 'ten' } }), ...malformedHttp('bad Content-Length') },
  {
    name: 'http: Content-Length and chunked together',
    ...json('POST', '/admin/batch-jobs', '2\r\n{}\r\n0\r\n\r\n', { headers: { 'Transfer-Encoding': 'chunked', 'Content-Length': '11' } }),
    ...malformedHttp('bad Content-Length'),
  },
  { name: 'http: a broken chunk size', ...json('POST', '/admin/batch-jobs', 'zz\r\n{}\r\n0\r\n\r\n', { headers: { 'Transfer-Encoding': 'chunked' } }), ...malformedHttp('bad chunk') },
  { name: 'http: raw invalid UTF-8 in an unknown path', ...get(Buffer.from('/admin/\xff\xfe', 'latin1')), status: 404, error: { type: 'not_found', message: `Cannot GET /admin/${FFFD}${FFFD}` } },
  { name: 'http: invalid UTF-8 in a header value', ...get('/admin/batch-jobs?limit=1', { headers: { 'X-Name': Buffer.from([0xff, 0xfe]) } }), status: 200, check: (res) => assert.equal(res.json.limit, 1) },
];

// ---- the run -----------------------------------------------------------------------------------

/// Sends `bytes` one byte every `everyMs` until the server closes the connection; resolves as exchange.
function trickle(port, bytes, everyMs, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = require('node:net').connect(port, '127.0.0.1');
    const received = [];
    let sent = 0;
    const ticker = setInterval(() => {
      if (sent < bytes.length) socket.write(bytes.subarray(sent, sent + 1));
      sent += 1;
    }, everyMs);
    const timer = setTimeout(() => done(new Error(`the server kept a trickling connection for ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    function done(error) {
      if (settled) return;
      settled = true;
      clearInterval(ticker);
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve({ status: received.length ? 'answered' : null, closedAfterMs: Date.now() - started });
    }
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('end', () => done());
    socket.on('close', () => done());
    socket.on('error', (error) => done(['ECONNRESET', 'EPIPE'].includes(error.code) ? undefined : error));
  });
}

const resolve = (value, ctx) => (typeof value === 'function' ? value(ctx) : value);

async function runCase(testCase, ctx) {
  const bytes = testCase.raw
    ? resolve(testCase.raw, ctx)
    : buildRequest({
        method: testCase.method,
        path: resolve(testCase.path, ctx),
        headers: testCase.headers,
        body: testCase.body,
        token: testCase.token === undefined ? 'test_token' : testCase.token,
        length: testCase.length,
      });
  return exchange(ctx.port, bytes);
}

function assertAnswer(testCase, res) {
  const shown = `${res.status} ${res.text.slice(0, 300)}`;
  assert.ok(res.status !== null, `no answer (connection closed after ${res.closedAfterMs} ms)`);
  assert.equal(res.status, testCase.status, shown);
  if (testCase.error) {
    assert.match(res.headers['content-type'], /^application\/json(; charset=utf-8)?$/, shown);
    assert.deepEqual(Object.keys(res.json).sort(), ['message', 'type'], shown);
    assert.equal(res.json.type, testCase.error.type, shown);
    if (testCase.error.message instanceof RegExp) {
      assert.match(res.json.message, testCase.error.message, shown);
    } else {
      assert.equal(res.json.message, testCase.error.message, shown);
    }
  }
  if (testCase.check) testCase.check(res);
}

describe('bad-input catalogue', () => {
  const ctx = {};
  let server;
  let medusa;
  let countJob;
  let failJobs;
  let before_;

  before(async () => {
    server = await startBatchd({
      catalog: CATALOG,
      env: { BATCHD_UPLOAD_LIMIT: String(UPLOAD_LIMIT), BATCHD_READ_TIMEOUT_MS: String(READ_TIMEOUT_MS) },
    });
    medusa = server.medusa();
    ctx.port = Number(new URL(server.baseUrl).port);
    // Created before the catalogue: it must run through it untouched.
    ({ batch_job: countJob } = await medusa.admin.batchJobs.create({ type: 'test-count', context: { n: 40, delay_ms: 20 } }));
    ctx.countJob = countJob.id;
    failJobs = [];
    for (const context of [
      { phase: 'process', message: 'the process step broke' },
      { phase: 'pre_process', message: 'the pre-processing broke' },
      { phase: 'process', message: 'a thrown exception', throw: true },
    ]) {
      const { batch_job: job } = await medusa.admin.batchJobs.create({ type: 'test-fail', context });
      failJobs.push({ job, context });
    }
    before_ = {
      products: (await medusa.admin.products.list()).count,
      regions: (await medusa.admin.regions.list()).count,
      orders: (await medusa.admin.orders.list()).count,
    };
  });
  after(async () => {
    console.log(`bad-input catalogue: ${CASES.length + 3} cases`);
    if (server) {
      const outcome = await server.stop();
      assert.equal(outcome.code, 0, `batchd exited with ${JSON.stringify(outcome)} after the catalogue`);
    }
  });

  const record = process.env.BADINPUT_RECORD === '1';
  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const res = await runCase(testCase, ctx);
      if (record) {
        console.log(JSON.stringify({ name: testCase.name, status: res.status, body: res.text.slice(0, 400) }));
        return;
      }
      assertAnswer(testCase, res);
    });
  }

  it('a slow client is cut off after the read timeout while others are served', async () => {
    const half = [
      buildRequest({ method: 'POST', path: '/admin/batch-jobs', body: '{"type":"test-count","context":{}}' }).subarray(0, 60),
      Buffer.concat([buildRequest({ method: 'POST', path: '/admin/batch-jobs', headers: { 'Content-Length': '100' } }), Buffer.from('{"ty')]),
    ];
    const started = Date.now();
    const slow = half.map((bytes) => exchange(ctx.port, bytes, { timeoutMs: READ_TIMEOUT_MS * 4 }));
    // A third sends its head one byte every 100 ms: the deadline is for the whole request.
    slow.push(trickle(ctx.port, buildRequest({ path: '/admin/batch-jobs' }), 100, READ_TIMEOUT_MS * 4));
    // Meanwhile others are served, promptly.
    for (let i = 0; i < 5; i += 1) {
      const t0 = Date.now();
      const res = await exchange(ctx.port, buildRequest({ path: '/admin/batch-jobs?limit=1' }));
      assert.equal(res.status, 200);
      assert.ok(Date.now() - t0 < READ_TIMEOUT_MS / 2, `a request took ${Date.now() - t0} ms beside the slow clients`);
      await sleep(100);
    }
    for (const res of await Promise.all(slow)) {
      assert.equal(res.status, null, 'a half-sent request gets no answer, just a closed connection');
      assert.ok(res.closedAfterMs >= READ_TIMEOUT_MS - 100, `closed after ${res.closedAfterMs} ms`);
      assert.ok(res.closedAfterMs < READ_TIMEOUT_MS * 3, `closed after ${res.closedAfterMs} ms`);
    }
    assert.ok(Date.now() - started < READ_TIMEOUT_MS * 4);
  });

  it('a job whose strategy fails ends failed with its message', async () => {
    for (const { job, context } of failJobs) {
      const done = await waitForFinal(medusa, job.id);
      assert.equal(done.status, 'failed', JSON.stringify(done));
      assert.ok(done.failed_at);
      assert.ok(hasError(done, context.message), `errors of ${JSON.stringify(done.result)}`);
    }
  });

  it('afterwards the server is alive, the earlier job completed and the store is intact', async () => {
    const health = await server.fetch('GET', '/health');
    assert.equal(health.status, 200);
    const done = await waitForFinal(medusa, countJob.id);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.result.count, 40);
    assert.equal(done.result.advancement_count, 40);
    const all = await medusa.admin.batchJobs.list({ limit: 50 });
    assert.equal(all.count, 1 + failJobs.length, 'the catalogue created no job');
    assert.deepEqual(all.batch_jobs.map((job) => job.id).sort(), [countJob.id, ...failJobs.map((f) => f.job.id)].sort());
    const counted = await medusa.admin.batchJobs.list({ type: ['test-count'] });
    assert.equal(counted.count, 1);
    assert.equal((await medusa.admin.products.list()).count, before_.products);
    assert.equal((await medusa.admin.regions.list()).count, before_.regions);
    assert.equal((await medusa.admin.orders.list()).count, before_.orders);
    const { product } = await medusa.admin.products.retrieve('prod_bad');
    assert.equal(product.title, 'Plain Shirt');
    assert.equal(product.subtitle, null, 'the refused update wrote nothing');
  });
});
