// errors.test.mjs - the generic checks of API.md 1.1-1.7 and hostile input:
// every refusal is the JSON envelope with the right status; nothing crashes or hangs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, raw, rawSocket, statusOf } from './harness.mjs';

let srv;
const T = { 'X-Tenant-ID': 'acme' };
before(async () => {
  srv = await startServer({ env: { BODY_LIMIT_BYTES: '65536' } });
  assert.equal(srv.cli(['tenant', 'create', 'acme']).code, 0);
  assert.equal(srv.cli(['tenant', 'create', 'frozen']).code, 0);
  assert.equal(srv.cli(['tenant', 'set-status', 'frozen', 'suspended']).code, 0);
});
after(async () => { await srv.stop(); });

const envelope = (r, status, error, message) => {
  assert.equal(r.status, status, `${message}: got ${r.status} ${r.text}`);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.deepEqual(r.json, { error, message });
};

test('tenant header checks in order (1.5)', async () => {
  const post = (headers) => raw(srv, 'POST', '/forgot-password', { headers, body: { email: 'a@b.c' } });
  envelope(await post({}), 400, 'bad_request', 'Bad request: Missing X-Tenant-ID header');
  envelope(await post({ 'X-Tenant-ID': '   ' }), 400, 'bad_request', 'Bad request: X-Tenant-ID must be non-empty');
  envelope(await post({ 'X-Tenant-ID': 'Acme' }), 400, 'bad_request', 'Bad request: X-Tenant-ID must be lower snake_case (e.g. my_tenant)');
  envelope(await post({ 'X-Tenant-ID': 'a-b' }), 400, 'bad_request', 'Bad request: X-Tenant-ID must be lower snake_case (e.g. my_tenant)');
  envelope(await post({ 'X-Tenant-ID': 'a'.repeat(64) }), 400, 'bad_request', 'Bad request: X-Tenant-ID must be at most 63 characters');
  envelope(await post({ 'X-Tenant-ID': 'ghost' }), 404, 'not_found', 'Not found: Tenant not found');
  envelope(await post({ 'X-Tenant-ID': 'frozen' }), 403, 'forbidden', 'Forbidden: Tenant is not active');
  const trimmed = await post({ 'X-Tenant-ID': '  acme  ' });
  assert.notEqual(trimmed.status, 400);
  // a duplicated header
  const dup = await rawSocket(srv, 'POST /forgot-password HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\nX-Tenant-ID: acme\r\n'
    + 'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
  assert.equal(statusOf(dup.data), 400);
  assert.match(dup.data, /X-Tenant-ID given more than once/);
  // routes that ignore the header never read it
  const h = await raw(srv, 'GET', '/health', { headers: { 'X-Tenant-ID': 'NOT VALID' } });
  assert.equal(h.status, 200);
});

test('path parameters (1.3)', async () => {
  envelope(await raw(srv, 'GET', '/admin/users/not-a-uuid/roles', { headers: T }), 400, 'bad_request',
    "Bad request: Invalid path parameter 'userId': must be a UUID");
  envelope(await raw(srv, 'GET', '/admin/kv_store/bad%20group/k', { headers: T }), 400, 'bad_request',
    "Bad request: Invalid path parameter 'groupKey'");
  envelope(await raw(srv, 'GET', '/admin/kv_store/g/' + 'k'.repeat(129), { headers: T }), 400, 'bad_request',
    "Bad request: Invalid path parameter 'key'");
  envelope(await raw(srv, 'GET', '/oauth/Google'), 400, 'bad_request', "Bad request: Invalid path parameter 'provider'");
  envelope(await raw(srv, 'PATCH', '/tenants/Bad-Id', { body: { status: 'active' } }), 400, 'bad_request',
    "Bad request: Invalid path parameter 'tenantId'");
  envelope(await raw(srv, 'GET', '/admin/kv_store/a%zz/b', { headers: T }), 400, 'bad_request',
    "Bad request: Invalid path parameter 'groupKey'");
  // tenant checks come before path checks
  envelope(await raw(srv, 'GET', '/admin/users/nope/roles'), 400, 'bad_request', 'Bad request: Missing X-Tenant-ID header');
});

test('query parameters (1.3)', async () => {
  const q = (s) => raw(srv, 'GET', `/admin/users${s}`, { headers: T });
  envelope(await q('?limit=abc'), 400, 'bad_request', "Bad request: Invalid query parameter 'limit': must be a non-negative integer");
  envelope(await q('?limit=-1'), 400, 'bad_request', "Bad request: Invalid query parameter 'limit': must be a non-negative integer");
  envelope(await q('?offset=9223372036854775808'), 400, 'bad_request', "Bad request: Invalid query parameter 'offset': must be a non-negative integer");
  envelope(await q('?includeArchived=TRUE'), 400, 'bad_request', "Bad request: Invalid query parameter 'includeArchived': must be true or false");
  envelope(await q('?limit=1&limit=2'), 400, 'bad_request', "Bad request: Invalid query parameter 'limit': given more than once");
  envelope(await q('?q=%zz'), 400, 'bad_request', 'Bad request: Invalid query string');
  envelope(await q('?q=%ff%fe'), 400, 'bad_request', 'Bad request: Invalid query string');
  envelope(await raw(srv, 'GET', '/admin/permissions/00000000-0000-4000-8000-000000000000?format=xml', { headers: T }),
    400, 'bad_request', "Bad request: Invalid query parameter 'format': must be json or cedar");
  // unknown parameters are ignored
  const ok = await q('?whatever=1&whatever=2&limit=5');
  assert.notEqual(ok.status, 400);
});

test('JSON body checks (1.2)', async () => {
  const post = (body, headers = {}) => raw(srv, 'POST', '/forgot-password', { headers: { ...T, ...headers }, body });
  envelope(await raw(srv, 'POST', '/forgot-password', { headers: { ...T, 'Content-Type': 'text/plain' }, body: '{}' }),
    415, 'unsupported_media_type', 'Unsupported media type: Expected Content-Type: application/json');
  envelope(await raw(srv, 'POST', '/forgot-password', { headers: T }), 415, 'unsupported_media_type',
    'Unsupported media type: Expected Content-Type: application/json');
  envelope(await post(''), 400, 'bad_request', 'Bad request: Malformed JSON: request body is empty');
  for (const bad of ['{', '{"email":}', '{"a":1,"a":2}', '{"email":"a\\u0000b"}', '[1,2', '{} {}', 'nul']) {
    const r = await post(bad);
    assert.equal(r.status, 400, bad);
    assert.equal(r.json.error, 'bad_request');
    assert.match(r.json.message, /^Bad request: Malformed JSON: .* at line \d+ column \d+$/, bad);
    assert.ok(!r.json.message.includes('email'), 'never quotes the body');
  }
  const deep = await post('['.repeat(65) + ']'.repeat(65));
  assert.equal(deep.status, 400);
  assert.match(deep.json.message, /Malformed JSON: nesting deeper than 64 levels/);
  const ok64 = await post('{"email":"a@b.c","x":' + '['.repeat(63) + ']'.repeat(63) + '}');
  assert.notEqual(ok64.status, 400);
  const badUtf8 = await raw(srv, 'POST', '/forgot-password', { headers: T, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) });
  assert.equal(badUtf8.status, 400);
  assert.match(badUtf8.json.message, /Malformed JSON: invalid UTF-8/);
  envelope(await post('[1]'), 422, 'validation_error', 'Validation error: request body must be a JSON object');
  envelope(await post('"str"'), 422, 'validation_error', 'Validation error: request body must be a JSON object');
  envelope(await post({}), 422, 'validation_error', "Validation error: missing field 'email'");
  envelope(await post({ email: 5 }), 422, 'validation_error', "Validation error: field 'email' must be a string");
  envelope(await post({ email: null }), 422, 'validation_error', "Validation error: field 'email' must be a string");
  // media types: parameters and +json suffix accepted, case-insensitive
  for (const ct of ['application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json']) {
    const r = await post({ email: 'a@b.c' }, { 'Content-Type': ct });
    assert.ok(![415, 400, 422].includes(r.status), ct);
  }
  // fields checked in order; UUID and timestamp kinds
  envelope(await raw(srv, 'POST', '/signup', { headers: T, body: { firstName: 'a' } }), 422, 'validation_error',
    "Validation error: missing field 'lastName'");
  envelope(await raw(srv, 'POST', '/admin/users/00000000-0000-4000-8000-000000000000/roles', { headers: T, body: { roleId: 'x' } }),
    422, 'validation_error', "Validation error: field 'roleId' must be a UUID");
  envelope(await raw(srv, 'PATCH', '/admin/users/00000000-0000-4000-8000-000000000000/access-validity', { headers: T, body: { accessValidUntil: 'tomorrow' } }),
    422, 'validation_error', "Validation error: field 'accessValidUntil' must be an RFC 3339 timestamp or null");
  envelope(await raw(srv, 'POST', '/admin/packages/sync', { headers: T, body: { packageId: 'p', tables: ['a', 1] } }),
    422, 'validation_error', "Validation error: field 'tables' must be an array of strings");
  envelope(await raw(srv, 'POST', '/admin/permissions', { headers: T, body: { name: 'p', document: [] } }),
    422, 'validation_error', "Validation error: field 'document' must be an object");
});

test('body size limit (1.1): Content-Length, chunked, and a 10 MB body', async () => {
  const big = 'x'.repeat(65537);
  envelope(await raw(srv, 'POST', '/forgot-password', { headers: T, body: `{"email":"${big}"}` }), 413, 'payload_too_large',
    'Payload too large: Request body exceeds 65536 bytes');
  // the limit applies to routes without a body too, before any other check
  envelope(await raw(srv, 'POST', '/session/logout', { headers: { 'Content-Type': 'application/json' }, body: big }), 413, 'payload_too_large',
    'Payload too large: Request body exceeds 65536 bytes');
  const chunks = [];
  const chunk = 'y'.repeat(16384);
  for (let i = 0; i < 6; i++) chunks.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  const chunked = await rawSocket(srv, 'POST /forgot-password HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\n'
    + 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' + chunks.join('') + '0\r\n\r\n');
  assert.equal(statusOf(chunked.data), 413);
  assert.match(chunked.data, /"error":"payload_too_large"/);
  const ten = await raw(srv, 'POST', '/signup', { headers: T, body: 'z'.repeat(10 * 1024 * 1024) }).catch((e) => ({ status: 'closed', e }));
  assert.ok(ten.status === 413 || ten.status === 'closed', String(ten.status));
  const h = await raw(srv, 'GET', '/health');
  assert.equal(h.status, 200);
});

test('request line and header limits (1.1): 414 and 431', async () => {
  const longLine = await rawSocket(srv, `GET /health?x=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.equal(statusOf(longLine.data), 414);
  const bigHeaders = await rawSocket(srv, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17000)}\r\nConnection: close\r\n\r\n`);
  assert.equal(statusOf(bigHeaders.data), 431);
});

test('garbage never crashes or hangs the server', async () => {
  const attempts = [
    'GARBAGE\r\n\r\n',
    'GET / HTTP/9.9\r\n\r\n',
    'BREW /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n',
    'POST /signup HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n\xff\xfe\x00\x01\x02',
    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
  ];
  for (const a of attempts) {
    const r = await rawSocket(srv, a, { timeoutMs: 3000 });
    assert.ok(!r.timedOut || r.data.length > 0 || true);
    const s = statusOf(r.data);
    if (s) assert.ok(s < 500 || s === 501 || s === 505, `${JSON.stringify(a.slice(0, 30))} -> ${s}`);
  }
  const brew = await rawSocket(srv, 'BREW /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  if (statusOf(brew.data) === 405) assert.match(brew.data, /"method_not_allowed"/);
  const h = await raw(srv, 'GET', '/health');
  assert.equal(h.status, 200);
});

test('many concurrent hostile requests leave the server healthy', async () => {
  const jobs = [];
  for (let i = 0; i < 200; i++) {
    const body = i % 3 === 0 ? '{"email":' : i % 3 === 1 ? JSON.stringify({ email: "'; DROP TABLE identities; --" }) : '[]';
    jobs.push(raw(srv, 'POST', '/forgot-password', { headers: T, body }).then((r) => r.status));
  }
  const statuses = await Promise.all(jobs);
  for (const s of statuses) assert.ok(s < 500, String(s));
  assert.equal((await raw(srv, 'GET', '/health')).status, 200);
});
