// robustness.test.mjs - every route of the OpenAPI document, driven with
// seeded random hostile input (wrong JSON types, odd strings, SQL-looking
// text, huge numbers, deep objects, bad path parameters and query values)
// by an authenticated admin: no answer may be a 5xx (502 excepted where an
// outbound provider is involved), every error is the JSON envelope, and the
// server stays healthy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, raw } from './harness.mjs';
import { adminTenant } from './admin_support.mjs';

let srv, admin, spec;
before(async () => {
  srv = await startServer({ env: { RATE_LIMITS_ENABLED: 'false' } });
  admin = await adminTenant(srv, 'acme');
  spec = (await raw(srv, 'GET', '/spec')).json;
});
after(async () => { await srv.stop(); });

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const STRINGS = ['', ' ', 'a', "'; DROP TABLE identities; --", '" OR 1=1 --', '%00', '\u0000x', '../../etc/passwd',
  'é'.repeat(300), 'x'.repeat(5000), '00000000-0000-4000-8000-000000000000', 'not-a-uuid', 'admin', '*',
  'service:authrs', 'role:admin', 'user:a@acme.io', '2026-11-27T13:35:00Z', '+91', '9876543210', 'a@b.c',
  '{"version":"1.0"}', '<script>alert(1)</script>', '\ud83d\ude00', 'null', 'true', '-1', '1e400'];

function value(r, depth = 0) {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0: return STRINGS[Math.floor(r() * STRINGS.length)];
    case 1: return Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1);
    case 2: return r() < 0.5;
    case 3: return null;
    case 4: return r() * 1e6;
    case 5: return STRINGS[Math.floor(r() * STRINGS.length)];
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default: {
      const o = {};
      for (let i = 0; i < Math.floor(r() * 4); i++) o[STRINGS[Math.floor(r() * 12)] || 'k'] = value(r, depth + 1);
      return o;
    }
  }
}

function bodyFor(op, r) {
  const schema = op.requestBody?.content?.['application/json']?.schema;
  const props = schema?.properties || {};
  const body = {};
  for (const name of Object.keys(props)) if (r() < 0.85) body[name] = value(r);
  if (r() < 0.05) return value(r);
  return body;
}

function pathFor(p, r) {
  return p.replace(/\{(\w+)\}/g, () => encodeURIComponent(
    r() < 0.5 ? '00000000-0000-4000-8000-00000000000' + Math.floor(r() * 10) : STRINGS[Math.floor(r() * STRINGS.length)] || 'x'));
}

test('random hostile input on every route never gets a 5xx', async () => {
  const r = rng(20261127);
  const ops = [];
  for (const [p, item] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(item)) if (method !== 'parameters') ops.push([method.toUpperCase(), p, op]);
  assert.equal(ops.length, 77);
  const bad = [];
  for (let round = 0; round < 12; round++) {
    for (const [method, p, op] of ops) {
      if (p === '/session/logout/global' || p === '/session/logout/all' || p === '/session/logout') continue; // keep the admin session
      let url = pathFor(p, r);
      const short = () => STRINGS[Math.floor(r() * STRINGS.length)].slice(0, 300);
      if (r() < 0.5) url += `?q=${encodeURIComponent(short())}&sort=${encodeURIComponent(short())}&limit=${Math.floor(r() * 3000)}`;
      const headers = { 'X-Tenant-ID': 'acme', Authorization: `Bearer ${admin.token}` };
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? JSON.stringify(bodyFor(op, r)) : undefined;
      const res = await raw(srv, method, url, { headers, body });
      const allowed502 = p.startsWith('/oauth/');
      if (res.status >= 500 && !(allowed502 && res.status === 502)) bad.push(`${method} ${url} ${body ?? ''} -> ${res.status} ${res.text}`);
      if (res.status >= 400 && res.status !== 414 && res.status !== 431) {
        assert.equal(res.headers.get('content-type'), 'application/json', `${method} ${url}`);
        assert.ok(res.json && typeof res.json.error === 'string' && typeof res.json.message === 'string', `${method} ${url}: ${res.text}`);
      }
    }
  }
  assert.deepEqual(bad, []);
  assert.equal((await raw(srv, 'GET', '/health')).status, 200);
});
