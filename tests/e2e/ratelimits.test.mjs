// ratelimits.test.mjs - the rate limits of API.md 1.15 not covered by the
// login suites: the username key, session-keyed limits, tenant overrides
// (including maxRequests 0 and the globally keyed limits, which ignore them),
// RATE_LIMITS_ENABLED=false; and the verify-to-join invite sent by SMS to an
// identity without an email (3.2 step 7, read from the dev outbox).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, client, raw } from './harness.mjs';
import { adminTenant, fails } from './admin_support.mjs';
import { PW } from './identity_support.mjs';

let srv, outbox, acme, beta;
before(async () => {
  srv = await startServer({
    env: {
      RATE_LIMIT_LOGIN_IDENTIFIER: '3/60',
      RATE_LIMIT_CHANGE_PASSWORD_SESSION: '2/60',
      RATE_LIMIT_AVAILABILITY_SESSION: '3/60',
      RATE_LIMIT_IDENTITY_LOGIN_IDENTIFIER: '2/60',
      RATE_LIMIT_SIGNUP_IP: '1000/60',
    },
  });
  outbox = path.join(srv.dir, 'outbox.jsonl');
  acme = await adminTenant(srv, 'acme');
  beta = await adminTenant(srv, 'beta');
});
after(async () => { await srv.stop(); });

const limited = (r) => {
  assert.equal(r.status, 429, JSON.stringify(r.json));
  const n = Number(r.headers.get('retry-after'));
  assert.ok(n >= 1 && n <= 60, String(n));
  assert.deepEqual(r.json, { error: 'rate_limited', message: `Rate limit: Too many requests, retry after ${n} seconds` });
};

test('login_identifier is keyed by tenant + username on the username route', async () => {
  const post = (tenant, username) => raw(srv, 'POST', '/login/username-password', {
    headers: { 'X-Tenant-ID': tenant }, body: { username, password: 'wrong-pass-1' },
  });
  for (let i = 0; i < 3; i++) assert.equal((await post('acme', 'bob')).status, 401);
  limited(await post('acme', ' bob '));           // trimmed: the same key
  assert.equal((await post('acme', 'alice')).status, 401);
  assert.equal((await post('beta', 'bob')).status, 401); // another tenant, another key
});

test('session-keyed limits: availability and change-password count per token', async () => {
  const c = client(srv, 'acme');
  await c.signup('S', 'K', 'sk@example.com', PW, PW);
  const s1 = (await c.loginEmailPassword('sk@example.com', PW)).sessionToken;
  const s2 = (await c.loginEmailPassword('sk@example.com', PW)).sessionToken;
  for (let i = 0; i < 3; i++) assert.deepEqual(await c.checkUsernameAvailability(s1, 'x'), { available: true });
  await fails(c.checkUsernameAvailability(s1, 'x'), 429);
  assert.deepEqual(await c.checkUsernameAvailability(s2, 'x'), { available: true });
  // a request without a well-formed Bearer header is not counted (and gets its 401)
  const noAuth = await raw(srv, 'POST', '/check-availability/email', { headers: { 'X-Tenant-ID': 'acme' }, body: { email: 'a@b.c' } });
  assert.equal(noAuth.status, 401);
  for (let i = 0; i < 2; i++) await fails(c.changePassword(s2, 'Wrong-pass-1', 'New-Pass-word-7', 'New-Pass-word-7'), 401);
  await fails(c.changePassword(s2, PW, 'New-Pass-word-7', 'New-Pass-word-7'), 429);
});

test('tenant overrides apply to tenant-keyed limits only; maxRequests 0 disables', async () => {
  // a tenant-keyed limit lowered for beta only
  await beta.c.setKvValue(beta.token, 'rate_limits', 'signup_identifier', JSON.stringify({ maxRequests: 1, windowSecs: 60 }));
  const b = client(srv, 'beta');
  await b.signup('O', 'V', 'ov@example.com', PW, PW);
  await fails(b.signup('O', 'V', 'ov@example.com', PW, PW), 429);
  // acme keeps the default (5 / 900 s): the same email is still accepted there (202, verify-to-join)
  const other = await client(srv, 'acme').signup('O', 'V', 'ov@example.com', PW, PW);
  assert.ok(!('id' in other) && typeof other.message === 'string');
  // maxRequests 0 switches the username limit off for acme
  await acme.c.setKvValue(acme.token, 'rate_limits', 'login_identifier', JSON.stringify({ maxRequests: 0, windowSecs: 60 }));
  for (let i = 0; i < 5; i++) {
    const r = await raw(srv, 'POST', '/login/username-password', { headers: { 'X-Tenant-ID': 'acme' }, body: { username: 'zed', password: 'x' } });
    assert.equal(r.status, 401);
  }
  // a globally keyed limit ignores the tenant's entry (accepted, no effect)
  await acme.c.setKvValue(acme.token, 'rate_limits', 'identity_login_identifier', JSON.stringify({ maxRequests: 100, windowSecs: 60 }));
  const c = client(srv);
  for (let i = 0; i < 2; i++) await fails(c.loginIdentity('global@example.com', 'wrong-pass-1'), 401);
  await fails(c.loginIdentity('global@example.com', 'wrong-pass-1'), 429);
});

test('RATE_LIMITS_ENABLED=false switches every limit off', async () => {
  const s = await startServer({ env: { RATE_LIMITS_ENABLED: 'false', RATE_LIMIT_LOGIN_IDENTIFIER: '1/60' } });
  try {
    assert.equal(s.cli(['tenant', 'create', 'acme']).code, 0);
    for (let i = 0; i < 4; i++) {
      const r = await raw(s, 'POST', '/login/username-password', { headers: { 'X-Tenant-ID': 'acme' }, body: { username: 'u', password: 'p' } });
      assert.equal(r.status, 401);
    }
  } finally {
    await s.stop();
  }
});

test('an identity without an email gets its invite by SMS (dev outbox), and the token joins it', async () => {
  const s = await startServer({ env: { OUTBOX_PATH: outbox } });
  try {
    const a = await adminTenant(s, 'one');
    const b = await adminTenant(s, 'two');
    const first = await a.c.createUser(a.token, { mobile: '9876543210', countryCode: '+91', username: 'mob' });
    assert.equal(first.status, 'active');
    assert.equal(first.email, null);
    const invited = await b.c.createUser(b.token, { mobile: '9876543210', countryCode: '91' });
    assert.equal(invited.status, 'invited');
    let line;
    for (let i = 0; i < 50 && !line; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        line = readFileSync(outbox, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((m) => m.kind === 'invite');
      } catch { /* not written yet */ }
    }
    assert.ok(line, 'invite in the outbox');
    assert.equal(line.channel, 'sms');
    assert.equal(line.to, '+919876543210');
    assert.equal(line.subject, null);
    assert.match(line.body, /^Confirm joining two: \S+\. Expires in 60 minutes\. Ignore this if it was not you\.$/);
    const joined = await client(s).verifyMembership(line.token);
    assert.deepEqual(joined, { id: invited.id, tenantId: 'two', status: 'active' });
  } finally {
    await s.stop();
  }
});
