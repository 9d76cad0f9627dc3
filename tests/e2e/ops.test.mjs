// ops.test.mjs - health, metrics, common headers, CORS, routing errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, raw, sql } from './harness.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('healthCheck answers ok with the server version', async () => {
  const h = await client(srv).healthCheck();
  assert.equal(h.status, 'ok');
  assert.match(h.version, /^\d+\.\d+\.\d+$/);
});

test('every response carries the common headers', async () => {
  const r = await raw(srv, 'GET', '/health');
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
});

test('X-Request-ID is echoed when visible ASCII of 1-128 chars, replaced otherwise', async () => {
  let r = await raw(srv, 'GET', '/health', { headers: { 'X-Request-ID': 'abc-123_XYZ' } });
  assert.equal(r.headers.get('x-request-id'), 'abc-123_XYZ');
  r = await raw(srv, 'GET', '/health', { headers: { 'X-Request-ID': 'a'.repeat(129) } });
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
  r = await raw(srv, 'GET', '/health', { headers: { 'X-Request-ID': 'has space' } });
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
});

test('HEAD mirrors GET without a body', async () => {
  const get = await raw(srv, 'GET', '/health');
  const head = await raw(srv, 'HEAD', '/health');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(get.text)));
});

test('unknown routes, trailing slashes and wrong methods get JSON 404/405', async () => {
  for (const p of ['/nope', '/health/', '//health', '/HEALTH', '/admin']) {
    const r = await raw(srv, 'GET', p);
    assert.equal(r.status, 404, p);
    assert.deepEqual(r.json, { error: 'not_found', message: 'Not found: Route not found' });
  }
  const r = await raw(srv, 'DELETE', '/health');
  assert.equal(r.status, 405);
  assert.equal(r.json.error, 'method_not_allowed');
  assert.equal(r.json.message, 'Method not allowed: DELETE is not supported on this route');
  assert.equal(r.headers.get('allow'), 'GET, HEAD, OPTIONS');
  // the literal segment "check" beats {permissionId}
  const c = await raw(srv, 'GET', '/admin/permissions/check', { headers: { 'X-Tenant-ID': 'x' } });
  assert.equal(c.status, 405);
  assert.equal(c.headers.get('allow'), 'POST, OPTIONS');
  // the OAuth routes refuse HEAD
  const o = await raw(srv, 'HEAD', '/oauth/google');
  assert.equal(o.status, 405);
  assert.equal(o.headers.get('allow'), 'GET, OPTIONS');
});

test('path segments are percent-decoded after splitting', async () => {
  const r = await raw(srv, 'GET', '/he%61lth');
  assert.equal(r.status, 200);
  const slash = await raw(srv, 'GET', '/health%2F');
  assert.equal(slash.status, 404);
});

test('OPTIONS is answered before routing with CORS preflight headers', async () => {
  const r = await raw(srv, 'OPTIONS', '/anything/at/all', { headers: { Origin: 'https://app.example.com' } });
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.equal(r.headers.get('access-control-allow-methods'), 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
  assert.equal(r.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, X-Tenant-ID, X-Request-ID');
  assert.equal(r.headers.get('access-control-max-age'), '600');
  assert.equal(r.headers.get('vary'), null);
  assert.equal(r.headers.get('access-control-allow-credentials'), null);
  const g = await raw(srv, 'GET', '/health', { headers: { Origin: 'https://app.example.com' } });
  assert.equal(g.headers.get('access-control-allow-origin'), '*');
  assert.equal(g.headers.get('access-control-expose-headers'), 'Retry-After, X-Request-ID');
});

test('CORS list mode echoes allowed origins only', async () => {
  const s = await startServer({ env: { CORS_ORIGINS: 'https://a.example.com, https://b.example.com' } });
  try {
    const ok = await raw(s, 'GET', '/health', { headers: { Origin: 'https://b.example.com' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://b.example.com');
    assert.equal(ok.headers.get('vary'), 'Origin');
    const no = await raw(s, 'GET', '/health', { headers: { Origin: 'https://evil.example.com' } });
    assert.equal(no.headers.get('access-control-allow-origin'), null);
  } finally {
    await s.stop();
  }
});

test('metrics are Prometheus text with every series of API.md 5.3', async () => {
  await raw(srv, 'GET', '/health');
  const r = await raw(srv, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  for (const name of ['login_success_total', 'login_failure_total', 'otp_sent_total',
    'message_delivery_failures_total', 'active_sessions_total', 'mfa_enabled_total',
    'rate_limited_total', 'http_requests_total', 'http_request_duration_seconds',
    'authrs_build_info', 'process_cpu_seconds_total', 'process_resident_memory_bytes',
    'process_virtual_memory_bytes', 'process_open_fds', 'process_max_fds', 'process_start_time_seconds']) {
    assert.match(r.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.match(r.text, /^http_requests_total\{route="\/health",method="GET",status="200"\} \d+/m);
  assert.match(r.text, /^http_request_duration_seconds_bucket\{route="\/health",le="0.005"\} \d+/m);
  // raw paths never become labels
  await raw(srv, 'GET', '/no/such/path');
  const again = await raw(srv, 'GET', '/metrics');
  assert.doesNotMatch(again.text, /no\/such\/path/);
  assert.match(again.text, /route="unmatched"/);
  const m = await client(srv).getMetrics();
  assert.equal(typeof m, 'string');
});

// Only a server database can be cut off under a running node: this runs in
// the PostgreSQL pass of make test.
if (process.env.AUTHRS_TEST_PG_URL) test('health reports 503 while the store does not answer, and recovers', async () => {
  sql(srv, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  const down = await raw(srv, 'GET', '/health');
  assert.equal(down.status, 503);
  assert.equal(down.json.status, 'unavailable');
  assert.match(down.json.version, /^\d+\.\d+\.\d+$/);
  let up;
  for (let i = 0; i < 50; i++) {
    up = await raw(srv, 'GET', '/health');
    if (up.status === 200) break;
  }
  assert.equal(up.status, 200);
});
