// Sign-up, verify-to-join, password logins, gates, login methods, email-domain
// allow-list, lockout, forced change and rate limits (API.md 1.12, 1.15, 3.2,
// 3.3, 4.1, 4.2), driven through the real client, with invites read from a real
// SMTP server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, raw } from './harness.mjs';
import {
  PW, startSmtp, sql, sqlChange, setKv, mkTenant, membershipWhere, identityWhere, rejects,
} from './identity_support.mjs';

let srv, smtp;
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

before(async () => {
  smtp = await startSmtp();
  srv = await startServer({
    env: { ...smtp.env, FRONTEND_URL: 'https://app.example.com/', RATE_LIMIT_LOGIN_IDENTIFIER: '6/60', RATE_LIMIT_SIGNUP_IP: '1000/60', RATE_LIMIT_LOGIN_IP: '1000/60' },
  });
  mkTenant(srv, 'acme');
  mkTenant(srv, 'beta');
});
after(async () => { await srv?.stop(); smtp?.stop(); });

test('sign-up answers 201 with the full User, then 409 in the same tenant', async () => {
  const c = client(srv, 'acme');
  const u = await c.signup(' Jane ', 'Doe', ' Jane@Example.com ', PW, PW, { mobile: '9876543210', countryCode: '91' });
  assert.deepEqual(Object.keys(u), ['id', 'identityId', 'firstName', 'lastName', 'email', 'emailVerified',
    'username', 'mobile', 'countryCode', 'status', 'mfaEnabled', 'isArchived', 'accessValidUntil', 'createdAt', 'updatedAt']);
  assert.equal(u.firstName, 'Jane');
  assert.equal(u.email, 'Jane@Example.com');
  assert.equal(u.countryCode, '+91');
  assert.equal(u.emailVerified, false);
  assert.equal(u.status, 'active');
  assert.match(u.createdAt, TS);
  await rejects(c.signup('J', 'D', 'jane@example.com', PW, PW), 409, 'Conflict: An account with this email already exists');
  await rejects(c.signup('J', 'D', 'other@example.com', PW, PW, { mobile: '9876543210', countryCode: '+91' }),
    409, 'Conflict: An account with this mobile number already exists');
});

test('sign-up validation errors', async () => {
  const c = client(srv, 'acme');
  const cases = [
    [['a', 'b', '  ', PW, PW], 'Bad request: Email is required'],
    [['a', 'b', 'no-at-sign', PW, PW], 'Bad request: Email is invalid'],
    [['a', 'b', 'x y@z.io', PW, PW], 'Bad request: Email is invalid'],
    [['a', 'b', 'v1@z.io', PW, PW + 'x'], 'Bad request: Password and retype password do not match'],
    [['a', 'b', 'v2@z.io', 'short', 'short'], 'Bad request: Password must be at least 8 characters'],
    [['a', 'b', 'v3@z.io', 'password1', 'password1'], 'Bad request: Password is too common'],
    [['a', 'b', 'v4@z.io', PW, PW, { mobile: '12345' }], 'Bad request: Country code is required when mobile is provided'],
    [['a', 'b', 'v5@z.io', PW, PW, { countryCode: '+1' }], 'Bad request: Mobile is required when country code is provided'],
    [['a', 'b', 'v6@z.io', PW, PW, { mobile: '12345', countryCode: '+0' }], 'Bad request: Invalid country code'],
    [['a', 'b', 'v7@z.io', PW, PW, { mobile: '12a45', countryCode: '+1' }], 'Bad request: Invalid mobile number'],
    [['x'.repeat(256), 'b', 'v8@z.io', PW, PW], 'Bad request: firstName must be at most 255 characters'],
  ];
  for (const [args, msg] of cases) await rejects(c.signup(...args), 400, msg);
  const r = await raw(srv, 'POST', '/signup', { headers: { 'X-Tenant-ID': 'acme' }, body: { firstName: 'a' } });
  assert.equal(r.status, 422);
  assert.equal(r.json.message, "Validation error: missing field 'lastName'");
});

test('sign-up of an existing identity in another tenant: 202, invite mail, verify-to-join', async () => {
  const a = client(srv, 'acme');
  const b = client(srv, 'beta');
  const u = await a.signup('Inv', 'Ited', 'invited@example.com', PW, PW);
  const r = await raw(srv, 'POST', '/signup', {
    headers: { 'X-Tenant-ID': 'beta' },
    body: { firstName: 'X', lastName: 'Y', email: 'INVITED@example.com', password: PW, retypePassword: PW },
  });
  assert.equal(r.status, 202);
  assert.deepEqual(r.json, { message: "Registration received. If further steps are required, we've emailed you instructions." });
  const mail = await smtp.waitFor((m) => m.to.includes('invited@example.com') && m.data.includes('Confirm joining'));
  assert.match(mail.data, /Subject: Confirm joining beta/);
  const token = /verify-membership\?token=([A-Za-z0-9_-]{43})/.exec(mail.data)[1];
  assert.ok(mail.data.includes('https://app.example.com/verify-membership?token='));
  await rejects(b.loginEmailPassword('invited@example.com', PW), 401, 'Unauthorized: Invalid email or password');
  const m = await b.verifyMembership(token);
  assert.equal(m.tenantId, 'beta');
  assert.equal(m.status, 'active');
  assert.notEqual(m.id, u.id);
  await rejects(b.verifyMembership(token), 400, 'Bad request: Invalid or expired invite token');
  await rejects(b.verifyMembership('x'.repeat(43)), 400, 'Bad request: Invalid or expired invite token');
  const s = await b.loginEmailPassword('invited@example.com', PW);
  const me = await b.me(s.sessionToken);
  assert.equal(me.user.emailVerified, true);
  assert.equal(me.user.firstName, 'Inv');
});

test('email-domain allow-list applies to sign-up and email login', async () => {
  await setKv(srv, 'beta', 'email_policy', 'allowed_domains', ['@Corp.io ']);
  const b = client(srv, 'beta');
  await rejects(b.signup('a', 'b', 'x@sub.corp.io', PW, PW), 403, 'Forbidden: Email domain is not permitted');
  await rejects(b.loginEmailPassword('admin@x.io', PW), 403, 'Forbidden: Email domain is not permitted');
  const u = await b.signup('a', 'b', 'x@CORP.io', PW, PW);
  assert.equal(u.email, 'x@CORP.io');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 'beta' AND group_key = 'email_policy'");
});

test('password logins: session shape, wrong and unknown credentials, username login', async () => {
  const c = client(srv, 'acme');
  await c.signup('U', 'N', 'user1@example.com', PW, PW);
  const s = await c.loginEmailPassword('  USER1@example.com ', PW);
  assert.deepEqual(Object.keys(s), ['sessionToken', 'expiresAt']);
  assert.match(s.sessionToken, /^[A-Za-z0-9_-]{43}$/);
  assert.match(s.expiresAt, TS);
  await rejects(c.loginEmailPassword('user1@example.com', 'Wrong-pass-1'), 401, 'Unauthorized: Invalid email or password');
  await rejects(c.loginEmailPassword('nobody@example.com', PW), 401, 'Unauthorized: Invalid email or password');
  await rejects(c.loginUsernamePassword('user1', PW), 401, 'Unauthorized: Invalid username or password');
  sql(srv, `UPDATE memberships SET username = 'user1' WHERE id = ${membershipWhere(srv, 'acme', 'user1@example.com')}`);
  const s2 = await c.loginUsernamePassword(' user1 ', PW);
  assert.match(s2.sessionToken, /^[A-Za-z0-9_-]{43}$/);
  await rejects(c.loginUsernamePassword('USER1', PW), 401, 'Unauthorized: Invalid username or password');
  await rejects(c.loginUsernamePassword('user1', 'Wrong-pass-1'), 401, 'Unauthorized: Invalid username or password');
  sql(srv, `UPDATE identities SET failed_attempts = 0 WHERE id = ${identityWhere('user1@example.com')}`);
  // the 401 does not depend on the tenant: another tenant has no such member
  await rejects(client(srv, 'beta').loginEmailPassword('user1@example.com', PW), 401);
});

test('login methods: checked only after the password', async () => {
  const c = client(srv, 'acme');
  await c.signup('M', 'M', 'method@example.com', PW, PW);
  await setKv(srv, 'acme', 'login_methods', 'allowed', [2, 4]);
  await rejects(c.loginEmailPassword('method@example.com', 'Wrong-pass-1'), 401);
  await rejects(c.loginEmailPassword('method@example.com', PW), 403, 'Forbidden: This login method is not allowed for your account');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 'acme' AND group_key = 'login_methods'");
  sql(srv, `UPDATE identities SET failed_attempts = 0 WHERE id = ${identityWhere('method@example.com')}`);
  await c.loginEmailPassword('method@example.com', PW);
});

test('gates: archived, disabled, access expired (set through the admin API and the CLI)', async () => {
  const c = client(srv, 'acme');
  const ids = {};
  for (const n of ['g1', 'g2', 'g3']) ids[n] = (await c.signup('G', 'G', `${n}@example.com`, PW, PW)).id;
  const admin = (await c.loginEmailPassword('admin@x.io', PW)).sessionToken;
  const g1 = (await c.loginEmailPassword('g1@example.com', PW)).sessionToken;
  await c.archiveUser(admin, ids.g1);
  await rejects(c.loginEmailPassword('g1@example.com', PW), 403, 'Forbidden: Account is not active');
  await rejects(c.validateSession(g1), 401, 'Unauthorized: Invalid or expired session');
  assert.equal(srv.cli(['user', 'disable', '--email', 'g2@example.com']).code, 0);
  await rejects(c.loginEmailPassword('g2@example.com', PW), 403, 'Forbidden: Account is not active');
  await c.setAccessValidity(admin, ids.g3, '2020-01-01T00:00:00Z');
  const e = await rejects(c.loginEmailPassword('g3@example.com', PW), 403, 'Access expired: Account access has expired');
  assert.equal(e.body.error, 'access_expired');
  await c.setAccessValidity(admin, ids.g3, null);
  assert.ok((await c.loginEmailPassword('g3@example.com', PW)).sessionToken);
});

test('lockout: the tenant policy locks, 423 before the password, expiry restarts the counter', async () => {
  const c = client(srv, 'beta');
  await c.signup('L', 'L', 'lock@example.com', PW, PW);
  await setKv(srv, 'beta', 'lockout_policy', 'default', { maxAttempts: 3, lockMinutes: 1 });
  for (let i = 0; i < 3; i++)
    await rejects(c.loginEmailPassword('lock@example.com', 'Wrong-pass-1'), 401, 'Unauthorized: Invalid email or password');
  const e = await rejects(c.loginEmailPassword('lock@example.com', PW), 423, 'Account locked: Account is temporarily locked');
  assert.equal(e.body.error, 'account_locked');
  await rejects(client(srv, 'beta').loginIdentity('lock@example.com', PW), 423);
  // the lock expires: a wrong password counts from zero again
  sql(srv, `UPDATE identities SET locked_until = 1 WHERE id = ${identityWhere('lock@example.com')}`);
  await rejects(c.loginEmailPassword('lock@example.com', 'Wrong-pass-1'), 401);
  assert.equal(sql(srv, `SELECT failed_attempts FROM identities WHERE id = ${identityWhere('lock@example.com')}`), '1');
  await c.loginEmailPassword('lock@example.com', PW);
  assert.equal(sql(srv, `SELECT failed_attempts FROM identities WHERE id = ${identityWhere('lock@example.com')}`), '0');
});

test('forced change: changeToken, force-change-password issues a session, single use', async () => {
  const c = client(srv, 'acme');
  await c.signup('F', 'C', 'force@example.com', PW, PW);
  const old = await c.loginEmailPassword('force@example.com', PW);
  sql(srv, `UPDATE identities SET force_password_change = 1 WHERE id = ${identityWhere('force@example.com')}`);
  const r = await c.loginEmailPassword('force@example.com', PW);
  assert.deepEqual(Object.keys(r), ['passwordChangeRequired', 'changeToken']);
  assert.equal(r.passwordChangeRequired, true);
  await rejects(c.forceChangePassword(r.changeToken, 'New-pass-word-2', 'New-pass-word-3'), 400,
    'Bad request: Password and retype password do not match');
  await rejects(c.forceChangePassword(r.changeToken, 'password', 'password'), 400);
  await rejects(c.forceChangePassword('x'.repeat(43), 'New-pass-word-2', 'New-pass-word-2'), 401,
    'Unauthorized: Invalid or expired change token');
  const s = await c.forceChangePassword(r.changeToken, 'New-pass-word-2', 'New-pass-word-2');
  assert.match(s.sessionToken, /^[A-Za-z0-9_-]{43}$/);
  await c.validateSession(s.sessionToken);
  await rejects(c.validateSession(old.sessionToken), 401, 'Unauthorized: Invalid or expired session');
  await rejects(c.forceChangePassword(r.changeToken, 'New-pass-word-2', 'New-pass-word-2'), 401);
  const again = await c.loginEmailPassword('force@example.com', 'New-pass-word-2');
  assert.ok(again.sessionToken);
});

test('rehash: a stored hash with other parameters is replaced on login', async () => {
  const c = client(srv, 'acme');
  await c.signup('R', 'H', 'rehash@example.com', PW, PW);
  const before = sql(srv, `SELECT password_hash FROM identities WHERE id = ${identityWhere('rehash@example.com')}`);
  assert.match(before, /^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
  // the same password hashed with t=2 (written by a CLI run with other parameters)
  const other = await startServer({ env: { ARGON2_T: '2' } });
  mkTenant(other, 'tmp', 'rehash@example.com', PW);
  const t2 = sql(other, `SELECT password_hash FROM identities WHERE email_norm = 'rehash@example.com'`);
  await other.stop();
  assert.match(t2, /t=2/);
  sql(srv, `UPDATE identities SET password_hash = '${t2}' WHERE id = ${identityWhere('rehash@example.com')}`);
  await c.loginEmailPassword('rehash@example.com', PW);
  const after = sql(srv, `SELECT password_hash FROM identities WHERE id = ${identityWhere('rehash@example.com')}`);
  assert.match(after, /^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
  assert.notEqual(after, t2);
});

test('rate limits: per identifier, 429 with Retry-After, tenant override', async () => {
  const c = client(srv, 'beta');
  for (let i = 0; i < 6; i++) await rejects(c.loginEmailPassword('ratelimited@example.com', PW), 401);
  const r = await raw(srv, 'POST', '/login/email-password', {
    headers: { 'X-Tenant-ID': 'beta' }, body: { email: ' RateLimited@example.com', password: PW },
  });
  assert.equal(r.status, 429);
  assert.equal(r.json.error, 'rate_limited');
  const n = Number(r.headers.get('retry-after'));
  assert.ok(n >= 1 && n <= 60);
  assert.equal(r.json.message, `Rate limit: Too many requests, retry after ${n} seconds`);
  // the same email in another tenant has its own key
  await rejects(client(srv, 'acme').loginEmailPassword('ratelimited@example.com', PW), 401);
  // a tenant override: maxRequests 0 disables the limit
  await setKv(srv, 'beta', 'rate_limits', 'login_identifier', { maxRequests: 0, windowSecs: 60 });
  await rejects(c.loginEmailPassword('ratelimited@example.com', PW), 401);
  const metrics = await (await fetch(`${srv.baseUrl}/metrics`)).text();
  assert.match(metrics, /login_failure_total\{method="email_password",reason="rate_limited"\} 1/);
  assert.match(metrics, /login_success_total\{method="email_password"\} \d+/);
});
