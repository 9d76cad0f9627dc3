// Admin users (API.md 3.11, 1.13): creation (new identity, invited membership
// with an invite delivered over real SMTP), lists with RSQL on the shown
// values, archive, password reset, access validity and MFA reset, with the
// revocations of 4.5.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client } from './harness.mjs';
import { startSmtp } from './identity_support.mjs';
import { adminTenant, adminRaw, fails, ADMIN_PW } from './admin_support.mjs';

let srv, smtp, a;
const PW = 'Correct-Horse-9';
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const NOPE = '00000000-0000-4000-8000-000000000000';

before(async () => {
  smtp = await startSmtp();
  srv = await startServer({ env: { ...smtp.env, FRONTEND_URL: 'https://app.example.com' } });
  a = await adminTenant(srv, 'acme');
});
after(async () => { await srv?.stop(); smtp?.stop(); });

test('create: new identity, User shape, validation and conflicts', async () => {
  const u = await a.c.createUser(a.token, { firstName: ' Jane ', lastName: 'Doe', email: ' jane@acme.io ', username: 'jane', mobile: '9876543210', countryCode: '91', password: PW, retypePassword: PW });
  assert.deepEqual(Object.keys(u), ['id', 'identityId', 'firstName', 'lastName', 'email', 'emailVerified', 'username', 'mobile', 'countryCode', 'status', 'mfaEnabled', 'isArchived', 'accessValidUntil', 'createdAt', 'updatedAt']);
  assert.equal(u.email, 'jane@acme.io');
  assert.equal(u.firstName, 'Jane');
  assert.equal(u.countryCode, '+91');
  assert.equal(u.status, 'active');
  assert.equal(u.emailVerified, false);
  assert.match(u.createdAt, TS);
  assert.ok((await a.c.loginEmailPassword('jane@acme.io', PW)).sessionToken);
  const only = await a.c.createUser(a.token, { username: 'nohandles' });
  assert.equal(only.email, null);
  const bad = (params, status, message) => fails(a.c.createUser(a.token, params), status, message);
  await bad({ firstName: 'x', email: '  ' }, 400, 'Bad request: At least one of email, (mobile and countryCode), or username is required');
  await bad({ email: 'nope' }, 400, 'Bad request: Email is invalid');
  await bad({ username: 'u', mobile: '123' }, 400, 'Bad request: Country code is required when mobile is provided');
  await bad({ username: 'a\u0001b' }, 400, 'Bad request: Username is invalid');
  await bad({ email: 'JANE@acme.io' }, 409, 'Conflict: An account with this email already exists');
  await bad({ mobile: '9876543210', countryCode: '+91' }, 409, 'Conflict: An account with this mobile number already exists');
  await bad({ username: 'jane' }, 409, 'Conflict: An account with this username already exists');
  await bad({ username: 'p1', password: 'a', retypePassword: 'b' }, 400, 'Bad request: Password and retype password do not match');
  await bad({ username: 'p2', password: PW }, 400, 'Bad request: Both password and retypePassword are required when setting a password');
  await bad({ username: 'p3', password: 'password1', retypePassword: 'password1' }, 400, 'Bad request: Password is too common');
});

test('create: an existing identity becomes an invited member, hidden, invited by mail', async () => {
  const b = await adminTenant(srv, 'beta');
  const orig = await b.c.createUser(b.token, { firstName: 'Ext', lastName: 'Ern', email: 'ext@other.io', mobile: '5551234', countryCode: '+1', password: PW, retypePassword: PW });
  await b.c.createUser(b.token, { email: 'm2@other.io', mobile: '5559999', countryCode: '+1' });
  await fails(a.c.createUser(a.token, { email: 'ext@other.io', mobile: '5559999', countryCode: '+1' }), 409, 'Conflict: The email and mobile number belong to different accounts');
  const inv = await a.c.createUser(a.token, { email: 'EXT@other.io', username: 'ext', firstName: 'Ignored', password: 'whatever-x', retypePassword: 'whatever-x' });
  assert.equal(inv.status, 'invited');
  assert.equal(inv.identityId, orig.identityId);
  assert.equal(inv.email, 'EXT@other.io');
  assert.equal(inv.firstName, null);
  assert.equal(inv.mobile, null);
  assert.equal(inv.username, 'ext');
  const list = (await a.c.listUsers(a.token, { q: 'email==EXT@other.io' })).users;
  assert.deepEqual(list.map((x) => x.id), [inv.id]);
  assert.deepEqual((await a.c.listUsers(a.token, { q: 'mobile==5551234' })).users, []);
  await fails(client(srv, 'acme').loginEmailPassword('ext@other.io', PW), 403);
  const mail = await smtp.waitFor((m) => m.to.includes('ext@other.io') && m.data.includes('Confirm joining'));
  const token = /verify-membership\?token=([A-Za-z0-9_-]{43})/.exec(mail.data)[1];
  await client(srv, 'acme').verifyMembership(token);
  const after = (await a.c.listUsers(a.token, { q: `id==${inv.id}` })).users[0];
  assert.equal(after.status, 'active');
  assert.equal(after.firstName, 'Ext');
  assert.equal(after.mobile, '5551234');
});

test('list: default order, includeArchived, RSQL on users fields, errors', async () => {
  const c1 = await a.c.createUser(a.token, { username: 'list_a', email: 'la@acme.io' });
  const c2 = await a.c.createUser(a.token, { username: 'list_b' });
  const users = (await a.c.listUsers(a.token)).users;
  assert.deepEqual(users.slice(0, 2).map((u) => u.id), [c2.id, c1.id], 'newest first');
  assert.deepEqual((await a.c.listUsers(a.token, { q: 'username=starts=list_', sort: 'username' })).users.map((u) => u.username), ['list_a', 'list_b']);
  assert.deepEqual((await a.c.listUsers(a.token, { q: 'email=ends=@ACME.io;username==list_*' })).users.map((u) => u.id), [c1.id]);
  assert.ok((await a.c.listUsers(a.token, { q: 'emailVerified==false;mfaEnabled==FALSE' })).users.length >= 2);
  const since = (await a.c.listUsers(a.token, { q: `createdAt=ge=${c1.createdAt}` })).users;
  assert.ok(since.some((u) => u.id === c2.id));
  await a.c.archiveUser(a.token, c2.id);
  assert.ok(!(await a.c.listUsers(a.token)).users.some((u) => u.id === c2.id));
  const withArchived = (await a.c.listUsers(a.token, { includeArchived: true, q: 'status==archived' })).users;
  assert.deepEqual(withArchived.map((u) => u.id), [c2.id]);
  assert.equal(withArchived[0].isArchived, true);
  await fails(a.c.listUsers(a.token, { q: 'passwordHash==x' }), 422, "Validation error: field 'passwordHash' is not filterable");
  await fails(a.c.listUsers(a.token, { sort: 'mfaSecret' }), 422, "Validation error: field 'mfaSecret' is not sortable");
  await fails(a.c.listUsers(a.token, { q: 'isArchived==true' }), 422, "Validation error: unknown filter field 'isArchived'");
  await fails(a.c.listUsers(a.token, { q: 'createdAt=gt=yesterday' }), 422, "Validation error: invalid value 'yesterday' for Timestamp field 'createdAt'");
  assert.equal((await adminRaw(srv, a, 'GET', '/admin/users?includeArchived=yes')).json.message, "Bad request: Invalid query parameter 'includeArchived': must be true or false");
});

test('archive: sessions revoked, links kept, twice is 400', async () => {
  const u = await a.c.createUser(a.token, { email: 'arch@acme.io', password: PW, retypePassword: PW });
  const s = await a.c.loginEmailPassword('arch@acme.io', PW);
  const role = await a.c.createRole(a.token, 'Archived Role');
  await a.c.assignRole(a.token, u.id, role.id);
  assert.deepEqual(await a.c.archiveUser(a.token, u.id), { message: 'User archived successfully.' });
  await fails(a.c.validateSession(s.sessionToken), 401, 'Unauthorized: Invalid or expired session');
  await fails(a.c.archiveUser(a.token, u.id), 400, 'Bad request: User is already archived');
  await fails(a.c.archiveUser(a.token, NOPE), 404, 'Not found: User not found');
  assert.equal((await a.c.listUserRoles(a.token, u.id)).roles.length, 1);
});

test('reset-password: order of checks, sessions revoked, forced change', async () => {
  const u = await a.c.createUser(a.token, { email: 'rp@acme.io', password: PW, retypePassword: PW });
  const s = await a.c.loginEmailPassword('rp@acme.io', PW);
  await fails(a.c.resetUserPassword(a.token, NOPE, 'x', 'y'), 400, 'Bad request: Password and retype password do not match');
  await fails(a.c.resetUserPassword(a.token, NOPE, PW, PW), 404, 'Not found: User not found');
  await fails(a.c.resetUserPassword(a.token, u.id, 'short', 'short'), 400, 'Bad request: Password must be at least 8 characters');
  assert.deepEqual(await a.c.resetUserPassword(a.token, u.id, 'New-Horse-77', 'New-Horse-77', true), { message: 'Password reset successfully.' });
  await fails(a.c.validateSession(s.sessionToken), 401);
  const r = await a.c.loginEmailPassword('rp@acme.io', 'New-Horse-77');
  assert.equal(r.passwordChangeRequired, true);
  // an identity that also belongs to another tenant is only its owner's to change
  const b = await adminTenant(srv, 'gamma');
  await b.c.createUser(b.token, { email: 'shared@x.io', password: PW, retypePassword: PW });
  const inv = await a.c.createUser(a.token, { email: 'shared@x.io' });
  await fails(a.c.resetUserPassword(a.token, inv.id, PW, PW), 403, 'Forbidden: This account belongs to other tenants; only its owner can change it');
  const mfa = await adminRaw(srv, a, 'POST', `/admin/users/${inv.id}/mfa/reset`);
  assert.equal(mfa.json.message, 'Forbidden: This account belongs to other tenants; only its owner can change it');
  const ok = await adminRaw(srv, a, 'POST', `/admin/users/${u.id}/mfa/reset`);
  assert.deepEqual(ok.json, { message: 'MFA reset successfully.' });
});

test('access validity: stored, past value ends sessions, null clears', async () => {
  const u = await a.c.createUser(a.token, { email: 'av@acme.io', password: PW, retypePassword: PW });
  const s = await a.c.loginEmailPassword('av@acme.io', PW);
  assert.deepEqual(await a.c.setAccessValidity(a.token, u.id, '2099-01-01T00:00:00+01:00'), { message: 'Access validity updated.' });
  let got = (await a.c.listUsers(a.token, { q: `id==${u.id}` })).users[0];
  assert.equal(got.accessValidUntil, '2098-12-31T23:00:00.000000Z');
  assert.ok((await a.c.validateSession(s.sessionToken)).userId);
  await a.c.setAccessValidity(a.token, u.id, '2000-01-01T00:00:00Z');
  await fails(a.c.validateSession(s.sessionToken), 401);
  await fails(a.c.loginEmailPassword('av@acme.io', PW), 403, 'Access expired: Account access has expired');
  await a.c.setAccessValidity(a.token, u.id, null);
  got = (await a.c.listUsers(a.token, { q: `id==${u.id}` })).users[0];
  assert.equal(got.accessValidUntil, null);
  const r = await adminRaw(srv, a, 'PATCH', `/admin/users/${u.id}/access-validity`, { accessValidUntil: 'soon' });
  assert.equal(r.status, 422);
  await fails(a.c.setAccessValidity(a.token, NOPE, null), 404, 'Not found: User not found');
  assert.ok(ADMIN_PW);
});
