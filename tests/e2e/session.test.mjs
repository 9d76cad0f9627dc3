// Sessions, SSO across three tenants, password flows and availability
// (API.md 3.6-3.9, 4.4, 4.5), driven through the real client; reset mails are
// read from a real SMTP server and followed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, raw } from './harness.mjs';
import {
  PW, startSmtp, sql, sqlChange, setKv, mkTenant, membershipWhere, identityWhere, rejects, q,
} from './identity_support.mjs';

let srv, smtp;
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const INVALID = 'Unauthorized: Invalid or expired session';
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

before(async () => {
  smtp = await startSmtp();
  srv = await startServer({ env: { ...smtp.env, FRONTEND_URL: 'https://app.example.com/', RATE_LIMIT_SIGNUP_IP: '1000/60' } });
  for (const t of ['t1', 't2', 't3']) mkTenant(srv, t, 'sso@example.com');
});
after(async () => { await srv?.stop(); smtp?.stop(); });

async function newUser(tenant, email) {
  const c = client(srv, tenant);
  await c.signup('S', 'U', email, PW, PW);
  const s = await c.loginEmailPassword(email, PW);
  return { c, token: s.sessionToken, s };
}

test('validate and me: shapes, roles via groups and ancestors, recomputed after a change', async () => {
  const { c, token, s } = await newUser('t1', 'roles@example.com');
  let v = await c.validateSession(token);
  assert.deepEqual(Object.keys(v), ['tenantId', 'userId', 'identityId', 'roles', 'permissions', 'expiresAt']);
  assert.deepEqual(v.roles, []);
  assert.deepEqual(v.permissions, []);
  assert.equal(v.tenantId, 't1');
  assert.match(v.expiresAt, TS);
  assert.equal(v.expiresAt, s.expiresAt);
  const mid = membershipWhere(srv, 't1', 'roles@example.com');
  await sqlChange(srv, `
    INSERT INTO roles VALUES ('r-viewer', 't1', 'Viewer', 'viewer', NULL, 0);
    INSERT INTO roles VALUES ('r-editor', 't1', 'Editor', 'editor', 'r-viewer', 0);
    INSERT INTO roles VALUES ('r-zeta', 't1', 'Zeta', 'zeta', NULL, 0);
    INSERT INTO permissions VALUES ('p-read', 't1', 'read-materials', NULL, '{}', 0, 0);
    INSERT INTO role_permissions VALUES ('r-viewer', 'p-read', 0);
    INSERT INTO tenant_groups VALUES ('g1', 't1', 'G', 'g', NULL, 0);
    INSERT INTO group_roles VALUES ('g1', 'r-editor', 0);
    INSERT INTO group_members VALUES ('g1', ${mid}, 0);
    INSERT INTO user_roles VALUES (${mid}, 'r-zeta', 0);
    INSERT INTO user_roles SELECT ${mid}, id, 0 FROM roles WHERE tenant_id = 't1' AND uid = 'admin'`);
  v = await c.validateSession(token);
  assert.deepEqual(v.roles, ['admin', 'editor', 'viewer', 'zeta']);
  assert.deepEqual(v.permissions, ['authrs-admin', 'read-materials']);
  const me = await c.me(token);
  assert.deepEqual(Object.keys(me), ['userId', 'identityId', 'roles', 'permissions', 'expiresAt', 'user']);
  assert.equal(me.user.email, 'roles@example.com');
  assert.equal(me.user.id, v.userId);
  assert.deepEqual(me.roles, v.roles);
});

test('bearer errors and logout', async () => {
  const { c, token } = await newUser('t1', 'logout@example.com');
  let r = await raw(srv, 'GET', '/session/validate');
  assert.equal(r.json.message, 'Unauthorized: Missing Authorization header');
  r = await raw(srv, 'GET', '/session/validate', { headers: { Authorization: `Token ${token}` } });
  assert.equal(r.json.message, 'Unauthorized: Invalid Authorization header');
  r = await raw(srv, 'GET', '/session/validate', { headers: { Authorization: `bearer ${token}` } });
  assert.equal(r.status, 200);
  r = await raw(srv, 'GET', '/session/validate', { headers: { Authorization: `Bearer  ${token}` } });
  assert.equal(r.json.message, INVALID);
  await rejects(c.validateSession('x'.repeat(43)), 401, INVALID);
  r = await raw(srv, 'POST', '/session/logout', { headers: bearer('garbage') });
  assert.deepEqual([r.status, r.json], [200, { ok: true }]);
  r = await raw(srv, 'POST', '/session/logout');
  assert.equal(r.status, 401);
  assert.deepEqual(await c.logout(token), { ok: true });
  await rejects(c.validateSession(token), 401, INVALID);
  await rejects(c.me(token), 401, INVALID);
  assert.deepEqual(await c.logout(token), { ok: true });
});

test('logout/all revokes the membership sessions; another tenant gets 403', async () => {
  const { c, token } = await newUser('t2', 'all@example.com');
  const second = (await c.loginEmailPassword('all@example.com', PW)).sessionToken;
  await rejects(client(srv, 't1').logoutAll(token), 403, 'Forbidden: Session belongs to another tenant');
  assert.deepEqual(await c.logoutAll(token), { ok: true, sessionsRevoked: 2 });
  await rejects(c.validateSession(second), 401, INVALID);
});

test('validity: absolute expiry, idle timeout, archive, access validity, disable, suspension', async () => {
  const { c, token } = await newUser('t3', 'valid@example.com');
  await c.validateSession(token);
  // absolute: created two hours ago, default lifetime one hour
  await sqlChange(srv, `UPDATE sessions SET created_at = created_at - 7200000000 WHERE token_hash IS NOT NULL AND membership_id = ${membershipWhere(srv, 't3', 'valid@example.com')}`);
  await rejects(c.validateSession(token), 401, INVALID);
  // a policy lengthens the lifetime of existing sessions
  await setKv(srv, 't3', 'session_policy', 'default', { absoluteTimeoutMins: 600 });
  const v = await c.validateSession(token);
  assert.ok(Date.parse(v.expiresAt) > Date.now() + 7 * 3600e3);
  // idle timeout, with last use far in the past
  await setKv(srv, 't3', 'session_policy', 'default', { absoluteTimeoutMins: 600, idleTimeoutMins: 5 });
  const idle = await c.validateSession(token);
  assert.ok(Date.parse(idle.expiresAt) <= Date.now() + 5 * 60e3 + 1000);
  await new Promise((r) => setTimeout(r, 1200)); // let the idle refresh reach the store
  await sqlChange(srv, `UPDATE sessions SET last_used_at = last_used_at - 600000000 WHERE membership_id = ${membershipWhere(srv, 't3', 'valid@example.com')}`);
  await rejects(c.validateSession(token), 401, INVALID);
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 't3' AND group_key = 'session_policy'");

  const states = [
    [`UPDATE memberships SET status = 'archived' WHERE id = %M`, `UPDATE memberships SET status = 'active' WHERE id = %M`],
    [`UPDATE memberships SET access_valid_until = 1 WHERE id = %M`, `UPDATE memberships SET access_valid_until = NULL WHERE id = %M`],
    [`UPDATE identities SET status = 'disabled' WHERE id = %I`, `UPDATE identities SET status = 'active' WHERE id = %I`],
  ];
  const M = membershipWhere(srv, 't3', 'valid@example.com');
  const I = identityWhere('valid@example.com');
  for (const [off, on] of states) {
    const t = (await c.loginEmailPassword('valid@example.com', PW)).sessionToken;
    await c.validateSession(t);
    await sqlChange(srv, off.replaceAll('%M', M).replaceAll('%I', I));
    await rejects(c.validateSession(t), 401, INVALID);
    await sqlChange(srv, on.replaceAll('%M', M).replaceAll('%I', I));
  }
  const t = (await c.loginEmailPassword('valid@example.com', PW)).sessionToken;
  assert.equal(srv.cli(['tenant', 'set-status', 't3', 'suspended']).code, 0);
  await new Promise((r) => setTimeout(r, 700));
  await rejects(c.validateSession(t), 401, INVALID);
  assert.equal(srv.cli(['tenant', 'set-status', 't3', 'active']).code, 0);
});

test('SSO across three tenants: identity login, select, switch, tenants, global logout', async () => {
  const c1 = client(srv, 't1');
  const id = await c1.loginIdentity(' SSO@example.com ', PW);
  assert.match(id.identityToken, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(id.tenants.map((t) => t.tenantId), ['t1', 't2', 't3']);
  assert.deepEqual((await c1.identityTenants(id.identityToken)).tenants, id.tenants);
  await rejects(c1.loginIdentity('sso@example.com', 'Wrong-pass-1'), 401, 'Unauthorized: Invalid credentials');
  await rejects(c1.loginIdentity('nobody@example.com', PW), 401, 'Unauthorized: Invalid credentials');
  await rejects(c1.identityTenants('x'.repeat(43)), 401, 'Unauthorized: Invalid or expired identity token');
  const s2 = await c1.selectTenant(id.identityToken, 't2');
  assert.equal((await c1.validateSession(s2.sessionToken)).tenantId, 't2');
  const s3 = await c1.selectTenant(id.identityToken, 't3'); // reusable
  await rejects(c1.selectTenant(id.identityToken, 'nope'), 403, 'Forbidden: No membership in this tenant');
  // a session token is not an identity token
  await rejects(c1.selectTenant(s2.sessionToken, 't1'), 401, 'Unauthorized: Invalid or expired identity token');

  const sw = await c1.switchTenant(s2.sessionToken, 't1');
  assert.equal((await c1.validateSession(sw.sessionToken)).tenantId, 't1');
  await c1.validateSession(s2.sessionToken); // the source stays valid
  await rejects(c1.switchTenant(s2.sessionToken, 'zz'), 403, 'Forbidden: No membership in this tenant');
  const st = await c1.sessionTenants(s3.sessionToken);
  assert.equal(st.currentTenantId, 't3');
  assert.deepEqual(st.tenants.map((t) => t.tenantId), ['t1', 't2', 't3']);

  // method and domain rules of the target tenant
  await setKv(srv, 't2', 'login_methods', 'allowed', [2]);
  await rejects(c1.switchTenant(sw.sessionToken, 't2'), 403, 'Forbidden: This login method is not allowed for your account');
  await rejects(c1.selectTenant(id.identityToken, 't2'), 403, 'Forbidden: This login method is not allowed for your account');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 't2'");
  await setKv(srv, 't2', 'email_policy', 'allowed_domains', ['corp.io']);
  await rejects(c1.selectTenant(id.identityToken, 't2'), 403, 'Forbidden: Email domain is not permitted');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 't2'");

  // a suspended tenant leaves the lists and cannot be selected
  assert.equal(srv.cli(['tenant', 'set-status', 't2', 'suspended']).code, 0);
  assert.deepEqual((await c1.identityTenants(id.identityToken)).tenants.map((t) => t.tenantId), ['t1', 't3']);
  await rejects(c1.selectTenant(id.identityToken, 't2'), 403, 'Forbidden: Tenant is not active');
  assert.equal(srv.cli(['tenant', 'set-status', 't2', 'active']).code, 0);

  const live = [s3.sessionToken, sw.sessionToken];
  const out = await c1.logoutGlobal(s3.sessionToken);
  assert.equal(out.ok, true);
  assert.ok(out.sessionsRevoked >= 3);
  for (const t of live) await rejects(c1.validateSession(t), 401, INVALID);
  await rejects(c1.identityTenants(id.identityToken), 401, 'Unauthorized: Invalid or expired identity token');
});

test('change-password: errors, lockout count, other sessions revoked, current kept', async () => {
  const { c, token } = await newUser('t1', 'change@example.com');
  const other = (await c.loginEmailPassword('change@example.com', PW)).sessionToken;
  await rejects(c.changePassword(token, PW, 'New-pass-word-2', 'New-pass-word-3'), 400, 'Bad request: Password and retype password do not match');
  await rejects(c.changePassword(token, PW, 'short', 'short'), 400, 'Bad request: Password must be at least 8 characters');
  await rejects(c.changePassword(token, 'Wrong-pass-1', 'New-pass-word-2', 'New-pass-word-2'), 401, 'Unauthorized: Current password is incorrect');
  assert.equal(sql(srv, `SELECT failed_attempts FROM identities WHERE id = ${identityWhere('change@example.com')}`), '1');
  assert.deepEqual(await c.changePassword(token, PW, 'New-pass-word-2', 'New-pass-word-2'), { message: 'Password changed successfully.' });
  await c.validateSession(token);
  await rejects(c.validateSession(other), 401, INVALID);
  await rejects(c.loginEmailPassword('change@example.com', PW), 401);
  await c.loginEmailPassword('change@example.com', 'New-pass-word-2');
  // the strictest policy of the identity's tenants applies
  await setKv(srv, 't1', 'password_policy', 'default', { minLength: 20 });
  await rejects(c.changePassword(token, 'New-pass-word-2', 'New-pass-word-9', 'New-pass-word-9'), 400, 'Bad request: Password must be at least 20 characters');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 't1' AND group_key = 'password_policy'");
});

test('forgot and reset password: the mail, the link, single use, revocation, no enumeration', async () => {
  const { c, token } = await newUser('t2', 'reset@example.com');
  const answer = { message: 'If this email is registered, you will receive a password reset link shortly.' };
  assert.deepEqual(await c.forgotPassword('nobody@example.com'), answer);
  await rejects(c.forgotPassword('  '), 400, 'Bad request: Email is required');
  assert.deepEqual(await c.forgotPassword(' RESET@example.com '), answer);
  const mail = await smtp.waitFor((m) => m.to.includes('reset@example.com') && m.data.includes('reset-password?token='));
  assert.match(mail.data, /Subject: Reset your t2 password/);
  const tok = /https:\/\/app\.example\.com\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mail.data)[1];
  await rejects(c.resetPassword('  ', 'New-pass-word-2', 'New-pass-word-2'), 400, 'Bad request: Token is required');
  await rejects(c.resetPassword(tok, 'New-pass-word-2', 'x'), 400, 'Bad request: Password and retype password do not match');
  await rejects(c.resetPassword('y'.repeat(43), 'New-pass-word-2', 'New-pass-word-2'), 400, 'Bad request: Invalid or expired reset token');
  await rejects(c.resetPassword(tok, 'password', 'password'), 400, 'Bad request: Password is too common');
  assert.deepEqual(await c.resetPassword(` ${tok} `, 'New-pass-word-2', 'New-pass-word-2'), { message: 'Password has been reset successfully.' });
  await rejects(c.validateSession(token), 401, INVALID);
  await rejects(c.resetPassword(tok, 'New-pass-word-2', 'New-pass-word-2'), 400, 'Bad request: Invalid or expired reset token');
  const me = await c.me((await c.loginEmailPassword('reset@example.com', 'New-pass-word-2')).sessionToken);
  assert.equal(me.user.emailVerified, true);
  // a tenant's own base applies only when it holds the identity's only membership
  await setKv(srv, 't2', 'frontend_config', 'base_url', '"https://t2.example.com/"');
  await c.forgotPassword('reset@example.com');
  await smtp.waitFor((m) => m.data.includes('https://t2.example.com/reset-password?token='));
  await c.forgotPassword('sso@example.com');
  await smtp.waitFor((m) => m.to.includes('sso@example.com') && m.data.includes('https://app.example.com/reset-password?token='));
});

test('availability checks', async () => {
  const { c, token } = await newUser('t3', 'avail@example.com');
  sql(srv, `UPDATE memberships SET username = 'taken' WHERE id = ${membershipWhere(srv, 't3', 'avail@example.com')}`);
  assert.deepEqual(await c.checkEmailAvailability(token, ' AVAIL@example.com'), { available: false });
  assert.deepEqual(await c.checkEmailAvailability(token, 'free@example.com'), { available: true });
  assert.deepEqual(await c.checkUsernameAvailability(token, 'taken'), { available: false });
  assert.deepEqual(await c.checkUsernameAvailability(token, 'Taken'), { available: true });
  await rejects(c.checkEmailAvailability(token, ' '), 400, 'Bad request: email is required');
  await rejects(c.checkUsernameAvailability(token, ''), 400, 'Bad request: username is required');
  await c.signup('M', 'B', 'mob@example.com', PW, PW, { mobile: '5550001', countryCode: '1' });
  assert.deepEqual(await c.checkMobileAvailability(token, '5550001', '+1'), { available: false });
  assert.deepEqual(await c.checkMobileAvailability(token, '5550002', '1'), { available: true });
  await rejects(c.checkMobileAvailability(token, '', '+1'), 400, 'Bad request: mobile is required');
  await rejects(c.checkMobileAvailability(token, '5550001', ' '), 400, 'Bad request: countryCode is required');
  await rejects(c.checkMobileAvailability(token, '55', '+1'), 400, 'Bad request: Invalid mobile number');
  await rejects(client(srv, 't1').checkEmailAvailability(token, 'a@b.io'), 403, 'Forbidden: Session belongs to another tenant');
  await rejects(c.checkEmailAvailability('x'.repeat(43), 'a@b.io'), 401, INVALID);
});
