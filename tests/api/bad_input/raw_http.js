'use strict';
// HTTP/1.1 over a bare socket, for the bad-input catalogue: fetch and node:http refuse (or repair)
// most of what the catalogue must send — raw bytes that are not UTF-8 in a path, a NUL, a 64 KB
// header, a body that lies about its length, a request that stops half way.

const net = require('node:net');

/// The request bytes: `path` and header values may be Buffers (sent as they are) or strings
/// (sent as latin1, so '\xff' is the byte 0xFF). Adds Host, Connection: close, the API token
/// (unless `token` is null), a JSON Content-Type when there is a body and none is given, and
/// Content-Length (unless `headers` has Transfer-Encoding or `length` is false).
function buildRequest({ method = 'GET', path = '/', headers = {}, body, token = 'test_token', length = true }) {
  const lines = [];
  const names = Object.keys(headers).map((h) => h.toLowerCase());
  lines.push(Buffer.concat([Buffer.from(`${method} `, 'latin1'), toBytes(path), Buffer.from(' HTTP/1.1', 'latin1')]));
  lines.push(Buffer.from('Host: 127.0.0.1', 'latin1'));
  lines.push(Buffer.from('Connection: close', 'latin1'));
  if (token) lines.push(Buffer.from(`x-medusa-access-token: ${token}`, 'latin1'));
  const payload = body === undefined ? undefined : toBytes(typeof body === 'object' && !Buffer.isBuffer(body) ? JSON.stringify(body) : body);
  if (payload !== undefined && !names.includes('content-type')) lines.push(Buffer.from('Content-Type: application/json', 'latin1'));
  for (const [name, value] of Object.entries(headers)) {
    lines.push(Buffer.concat([Buffer.from(`${name}: `, 'latin1'), toBytes(value)]));
  }
  if (payload !== undefined && length && !names.includes('transfer-encoding') && !names.includes('content-length')) {
    lines.push(Buffer.from(`Content-Length: ${payload.length}`, 'latin1'));
  }
  const head = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\r\n')]).concat([Buffer.from('\r\n')]));
  return payload === undefined ? head : Buffer.concat([head, payload]);
}

function toBytes(value) {
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'latin1');
}

/// The first response in `bytes`: { status, headers (lower-case names), body (Buffer), text, json }.
/// status is null when nothing (or no complete head) came back.
function parseResponse(bytes) {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return { status: null, headers: {}, body: Buffer.alloc(0), text: '', json: undefined, raw: bytes };
  const [statusLine, ...headerLines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers['content-length'] === undefined ? bytes.length : Number(headers['content-length']);
  const body = bytes.subarray(end + 4, end + 4 + length);
  const text = body.toString('utf8');
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body, text, json, raw: bytes };
}

/// Sends `bytes` on a new connection and collects everything until the server closes it.
/// Resolves the parsed first response plus `closedAfterMs` (how long the server kept the
/// connection). A reset after the answer counts as a close. Rejects after `timeoutMs`.
function exchange(port, bytes, { timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const received = [];
    let settled = false;
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) {
        reject(error);
        return;
      }
      resolve({ ...parseResponse(Buffer.concat(received)), closedAfterMs: Date.now() - started });
    };
    const timer = setTimeout(() => settle(new Error(`the server kept the connection open for ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('end', () => settle());
    socket.on('close', () => settle());
    socket.on('error', (error) => settle(['ECONNRESET', 'EPIPE'].includes(error.code) ? undefined : error));
    socket.write(bytes);
  });
}

module.exports = { buildRequest, parseResponse, exchange };
