// MFA (API.md 3.10, 3.11 reset, 1.12 finalization): enrolment with otpauth URI
// and QR SVG, activation with backup codes, validate with TOTP codes computed
// by an independent implementation (otplib), the replay guard and the +-1 step
// window, backup codes, the burnt MFA token, forced change after MFA, disable
// with lockout, the admin reset, and the metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { startServer, client, raw } from './harness.mjs';
import { stopChecked } from './peers/stop.mjs';
import { PW, sql, sqlChange, mkTenant, rejects, identityWhere } from './identity_support.mjs';

let srv;
const now = () => Math.floor(Date.now() / 1000);
const step = () => Math.floor(now() / 30);
// The code of a time step (otplib takes a Unix time in seconds).
const codeAt = (secret, s) => generate({ secret, epoch: s * 30 + 1 });

before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MFA_VALIDATE_IDENTIFIER: '1000/60', RATE_LIMIT_MFA_VALIDATE_IP: '1000/60', RATE_LIMIT_SIGNUP_IP: '1000/60' } });
  mkTenant(srv, 'acme');
  mkTenant(srv, 'beta', 'admin@beta.io');
});
after(async () => { await stopChecked(srv); });

async function member(tenant, email) {
  const c = client(srv, tenant);
  await c.signup('Jane', 'Doe', email, PW, PW);
  const r = await c.loginEmailPassword(email, PW);
  return { c, token: r.sessionToken };
}

// Enrols and activates; returns the secret, the accepted step and the backup codes.
async function enrol(c, token) {
  const en = await c.enableMfa(token);
  const s = step();
  const v = await c.verifyMfa(token, await codeAt(en.secret, s));
  return { secret: en.secret, step: s, backupCodes: v.backupCodes, enable: en };
}

test('enable answers the secret, the otpauth URI and a self-contained QR SVG', async () => {
  await sqlChange(srv, "INSERT INTO kv_store (tenant_id, group_key, key, value, encrypted, updated_at) VALUES ('acme','mfa','default','{\"issuer\":\"Acme Corp\"}',0,0)");
  const { c, token } = await member('acme', 'Jane+mfa@Example.com');
  const en = await c.enableMfa(token);
  assert.deepEqual(Object.keys(en), ['secret', 'otpauthUri', 'qrSvg']);
  assert.match(en.secret, /^[A-Z2-7]{32}$/);
  assert.equal(en.otpauthUri,
    `otpauth://totp/Acme%20Corp:Jane%2Bmfa%40Example.com?secret=${en.secret}&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30`);
  assert.match(en.qrSvg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="0 0 (\d+) \1"/);
  assert.ok(en.qrSvg.endsWith('</svg>'));
  assert.ok(!/href|<image|<script|url\(/.test(en.qrSvg), 'no external references');
  // still off until verified; the pending secret is stored sealed, never in clear
  assert.equal((await c.me(token)).user.mfaEnabled, false);
  const stored = sql(srv, `SELECT mfa_pending_secret FROM identities WHERE id = ${identityWhere('jane+mfa@example.com')}`);
  assert.ok(stored.startsWith('v1.') && !stored.includes(en.secret));
  // a second enable replaces the pending secret
  const en2 = await c.enableMfa(token);
  assert.notEqual(en2.secret, en.secret);
  await rejects(c.verifyMfa(token, await codeAt(en.secret, step())), 400, 'Bad request: Invalid MFA code');
  await rejects(c.verifyMfa(token, 'abc'), 400, 'Bad request: Invalid MFA code');
  const v = await c.verifyMfa(token, ` ${await codeAt(en2.secret, step())} `);
  assert.equal(v.mfaEnabled, true);
  assert.equal(v.backupCodes.length, 10);
  for (const b of v.backupCodes) assert.match(b, /^[abcdefghjkmnpqrstuvwxyz23456789]{5}-[abcdefghjkmnpqrstuvwxyz23456789]{5}$/);
  assert.equal(new Set(v.backupCodes).size, 10);
  assert.equal((await c.me(token)).user.mfaEnabled, true);
  await rejects(c.enableMfa(token), 409, 'Conflict: MFA is already enabled');
  await rejects(c.verifyMfa(token, '123456'), 409, 'Conflict: MFA is already enabled');
});

test('verify without enrolment, and the account of a user without email', async () => {
  const { c, token } = await member('acme', 'noenrol@example.com');
  await rejects(c.verifyMfa(token, '123456'), 400, 'Bad request: No MFA enrolment in progress');
  // issuer falls back to the tenant name
  const en = await client(srv, 'beta').enableMfa((await member('beta', 'b1@example.com')).token);
  assert.ok(en.otpauthUri.startsWith('otpauth://totp/beta:b1%40example.com?'));
});

test('validate: TOTP with window and replay guard, session, metrics', async () => {
  const { c, token } = await member('acme', 'totp@example.com');
  const { secret, step: s0 } = await enrol(c, token);
  const r = await c.loginEmailPassword('totp@example.com', PW);
  assert.deepEqual(Object.keys(r), ['mfaRequired', 'mfaToken']);
  assert.equal(r.mfaRequired, true);
  assert.match(r.mfaToken, /^[A-Za-z0-9_-]{43}$/);
  // the step already accepted at verify is refused (replay), as is one two steps back
  await rejects(c.validateMfa(r.mfaToken, await codeAt(secret, s0)), 401, 'Unauthorized: Invalid MFA code');
  await rejects(c.validateMfa(r.mfaToken, await codeAt(secret, step() - 2)), 401, 'Unauthorized: Invalid MFA code');
  // the next step is inside the +-1 window
  const ok = await c.validateMfa(r.mfaToken, await codeAt(secret, s0 + 1));
  assert.deepEqual(Object.keys(ok), ['sessionToken', 'expiresAt']);
  const info = await c.validateSession(ok.sessionToken);
  assert.equal(info.tenantId, 'acme');
  // single use
  await rejects(c.validateMfa(r.mfaToken, await codeAt(secret, s0 + 1)), 401, 'Unauthorized: Invalid or expired MFA token');
  // the same step is refused on a new token
  const r2 = await c.loginEmailPassword('totp@example.com', PW);
  await rejects(c.validateMfa(r2.mfaToken, await codeAt(secret, s0 + 1)), 401, 'Unauthorized: Invalid MFA code');
  // a session token is not an MFA token
  await rejects(c.validateMfa(ok.sessionToken, '123456'), 401, 'Unauthorized: Invalid or expired MFA token');
  const m = await (await fetch(srv.baseUrl + '/metrics')).text();
  assert.match(m, /login_success_total\{method="mfa"\} [1-9]/);
  assert.match(m, /login_failure_total\{method="mfa",reason="invalid_code"\} [1-9]/);
});

test('validate with backup codes; a used backup code is refused', async () => {
  const { c, token } = await member('acme', 'backup@example.com');
  const { backupCodes } = await enrol(c, token);
  const r = await c.loginEmailPassword('backup@example.com', PW);
  const typed = ` ${backupCodes[3].toUpperCase().replace('-', ' - ')} `;
  const ok = await c.validateMfa(r.mfaToken, typed);
  assert.ok(ok.sessionToken);
  const r2 = await c.loginEmailPassword('backup@example.com', PW);
  await rejects(c.validateMfa(r2.mfaToken, backupCodes[3]), 401, 'Unauthorized: Invalid MFA code');
  assert.ok((await c.validateMfa(r2.mfaToken, backupCodes[4].replace('-', ''))).sessionToken);
  assert.equal(sql(srv, `SELECT COUNT(*) FROM mfa_backup_codes WHERE used_at IS NOT NULL AND identity_id = ${identityWhere('backup@example.com')}`), '2');
});

test('the 5th wrong code burns the MFA token; MFA failures do not lock', async () => {
  const { c, token } = await member('acme', 'burn@example.com');
  const { secret } = await enrol(c, token);
  const r = await c.loginEmailPassword('burn@example.com', PW);
  for (let i = 0; i < 5; i++) await rejects(c.validateMfa(r.mfaToken, '000000'), 401, 'Unauthorized: Invalid MFA code');
  await rejects(c.validateMfa(r.mfaToken, await codeAt(secret, step() + 1)), 401, 'Unauthorized: Invalid or expired MFA token');
  const r2 = await c.loginEmailPassword('burn@example.com', PW);
  assert.equal(r2.mfaRequired, true);
  assert.ok((await c.validateMfa(r2.mfaToken, await codeAt(secret, step() + 1))).sessionToken);
});

test('MFA then forced change; gates at validate', async () => {
  const { c, token } = await member('acme', 'forced@example.com');
  const { secret, backupCodes } = await enrol(c, token);
  const r = await c.loginEmailPassword('forced@example.com', PW);
  sql(srv, `UPDATE identities SET force_password_change = 1 WHERE id = ${identityWhere('forced@example.com')}`);
  const res = await c.validateMfa(r.mfaToken, await codeAt(secret, step() + 1));
  assert.deepEqual(Object.keys(res), ['passwordChangeRequired', 'changeToken']);
  sql(srv, `UPDATE identities SET force_password_change = 0 WHERE id = ${identityWhere('forced@example.com')}`);
  const r2 = await c.loginEmailPassword('forced@example.com', PW);
  sql(srv, `UPDATE identities SET locked_until = 9999999999999999 WHERE id = ${identityWhere('forced@example.com')}`);
  await rejects(c.validateMfa(r2.mfaToken, backupCodes[0]), 423, 'Account locked: Account is temporarily locked');
  sql(srv, `UPDATE identities SET locked_until = NULL WHERE id = ${identityWhere('forced@example.com')}`);
});

test('every login route challenges an enrolled identity; switch does not', async () => {
  const { c, token } = await member('acme', 'routes@example.com');
  const { secret } = await enrol(c, token);
  await client(srv, 'beta').signup('J', 'D', 'routes@example.com', PW, PW).catch(() => {});
  // sign-up of an existing identity is an invite (202): add the beta membership directly
  sql(srv, `INSERT INTO memberships (id, tenant_id, identity_id, status, created_at, updated_at)
    SELECT '0190aaaa-0000-7000-8000-000000000001', 'beta', id, 'active', 0, 0 FROM identities WHERE id = ${identityWhere('routes@example.com')}`);
  sql(srv, `UPDATE memberships SET username = 'routes' WHERE tenant_id = 'acme' AND identity_id = ${identityWhere('routes@example.com')}`);
  assert.equal((await c.loginUsernamePassword('routes', PW)).mfaRequired, true);
  const idl = await c.loginIdentity('routes@example.com', PW);
  const sel = await c.selectTenant(idl.identityToken, 'beta');
  assert.equal(sel.mfaRequired, true);
  const beta = await c.validateMfa(sel.mfaToken, await codeAt(secret, step() + 1));
  assert.equal((await c.validateSession(beta.sessionToken)).tenantId, 'beta');
  const sw = await c.switchTenant(beta.sessionToken, 'acme');
  assert.ok(sw.sessionToken, 'switch gives a session directly');
});

test('disable: wrong code counts toward lockout, 423 before the code, then off', async () => {
  const { c, token } = await member('acme', 'disable@example.com');
  const { secret } = await enrol(c, token);
  const dis = (code) => raw(srv, 'POST', '/mfa/disable', { headers: { Authorization: `Bearer ${token}` }, body: { code } });
  let r = await dis('000000');
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'Bad request: Invalid MFA code');
  assert.equal(sql(srv, `SELECT failed_attempts FROM identities WHERE id = ${identityWhere('disable@example.com')}`), '1');
  for (let i = 0; i < 4; i++) assert.equal((await dis('000000')).status, 400);
  r = await dis(await codeAt(secret, step() + 1));
  assert.equal(r.status, 423);
  assert.equal(r.json.message, 'Account locked: Account is temporarily locked');
  sql(srv, `UPDATE identities SET locked_until = NULL, failed_attempts = 0 WHERE id = ${identityWhere('disable@example.com')}`);
  r = await dis(await codeAt(secret, step() + 1));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { mfaEnabled: false });
  assert.equal(sql(srv, `SELECT COUNT(*) FROM identities WHERE mfa_secret IS NULL AND mfa_enabled = 0 AND id = ${identityWhere('disable@example.com')}`), '1');
  r = await dis('123456');
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'Bad request: MFA is not enabled');
  const l = await c.loginEmailPassword('disable@example.com', PW);
  assert.ok(l.sessionToken);
});

test('disable with a backup code removes pending MFA tokens', async () => {
  const { c, token } = await member('acme', 'disable2@example.com');
  const { backupCodes } = await enrol(c, token);
  const pending = await c.loginEmailPassword('disable2@example.com', PW);
  const r = await raw(srv, 'POST', '/mfa/disable', { headers: { Authorization: `Bearer ${token}` }, body: { code: backupCodes[0] } });
  assert.equal(r.status, 200);
  await rejects(c.validateMfa(pending.mfaToken, backupCodes[1]), 401, 'Unauthorized: Invalid or expired MFA token');
});

// The route belongs to the administration issue (4); this checks it against MFA.
test('admin MFA reset', async (t) => {
  const admin = await client(srv, 'acme').loginEmailPassword('admin@x.io', PW);
  const H = { 'X-Tenant-ID': 'acme', Authorization: `Bearer ${admin.sessionToken}` };
  const probe = await raw(srv, 'POST', '/admin/users/0190aaaa-0000-7000-8000-00000000ffff/mfa/reset', { headers: H });
  if (probe.status === 501) return t.skip('POST /admin/users/{userId}/mfa/reset is not merged yet');
  const { c, token } = await member('acme', 'reset@example.com');
  await enrol(c, token);
  const uid = (await c.me(token)).user.id;
  const pending = await c.loginEmailPassword('reset@example.com', PW);
  let r = await raw(srv, 'POST', '/admin/users/0190aaaa-0000-7000-8000-00000000ffff/mfa/reset', { headers: H });
  assert.equal(r.status, 404);
  assert.equal(r.json.message, 'Not found: User not found');
  r = await raw(srv, 'POST', `/admin/users/${uid.toUpperCase()}/mfa/reset`, { headers: H });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { message: 'MFA reset successfully.' });
  await rejects(c.validateMfa(pending.mfaToken, '000000'), 401, 'Unauthorized: Invalid or expired MFA token');
  assert.ok((await c.loginEmailPassword('reset@example.com', PW)).sessionToken);
  // an identity that also belongs to beta cannot be reset from acme
  await enrol(c, token);
  sql(srv, `INSERT INTO memberships (id, tenant_id, identity_id, status, created_at, updated_at)
    SELECT '0190aaaa-0000-7000-8000-000000000002', 'beta', id, 'invited', 0, 0 FROM identities WHERE id = ${identityWhere('reset@example.com')}`);
  r = await raw(srv, 'POST', `/admin/users/${uid}/mfa/reset`, { headers: H });
  assert.equal(r.status, 403);
  assert.equal(r.json.message, 'Forbidden: This account belongs to other tenants; only its owner can change it');
  // a user of another tenant is unknown here
  const bAdmin = await client(srv, 'beta').loginEmailPassword('admin@beta.io', PW);
  r = await raw(srv, 'POST', `/admin/users/${uid}/mfa/reset`, { headers: { 'X-Tenant-ID': 'beta', Authorization: `Bearer ${bAdmin.sessionToken}` } });
  assert.equal(r.status, 404);
});

test('rate limits: mfa_validate per token, mfa_disable per session', async () => {
  const srv2 = await startServer({ env: { RATE_LIMIT_MFA_VALIDATE_IDENTIFIER: '2/60', RATE_LIMIT_MFA_DISABLE_SESSION: '1/60' } });
  try {
    mkTenant(srv2, 'acme');
    const c = client(srv2, 'acme');
    const v = (tok) => raw(srv2, 'POST', '/mfa/validate', { headers: { Authorization: `Bearer ${tok}` }, body: { code: '000000' } });
    assert.equal((await v('a'.repeat(43))).status, 401);
    assert.equal((await v('a'.repeat(43))).status, 401);
    const r = await v('a'.repeat(43));
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal((await v('b'.repeat(43))).status, 401, 'another token has its own window');
    // without a Bearer header the token limit does not count
    for (let i = 0; i < 3; i++) {
      const n = await raw(srv2, 'POST', '/mfa/validate', { body: { code: '000000' } });
      assert.equal(n.status, 401);
      assert.equal(n.json.message, 'Unauthorized: Missing Authorization header');
    }
    await c.signup('R', 'L', 'rl@example.com', PW, PW);
    const tok = (await c.loginEmailPassword('rl@example.com', PW)).sessionToken;
    const d = () => raw(srv2, 'POST', '/mfa/disable', { headers: { Authorization: `Bearer ${tok}` }, body: { code: '1' } });
    assert.equal((await d()).status, 400);
    assert.equal((await d()).status, 429);
    assert.match(await (await fetch(srv2.baseUrl + '/metrics')).text(), /login_failure_total\{method="mfa",reason="rate_limited"\} 1/);
  } finally { await stopChecked(srv2); }
});

test('the operator CLI resets MFA: the next login needs no second factor', async () => {
  const { c, token } = await member('acme', 'cli-reset@example.com');
  await enrol(c, token);
  const challenged = await c.loginEmailPassword('cli-reset@example.com', PW);
  assert.equal(challenged.mfaRequired, true);
  const r = srv.cli(['user', 'reset-mfa', '--email', 'CLI-Reset@example.com']);
  assert.equal(r.code, 0, r.stderr);
  const plain = await c.loginEmailPassword('cli-reset@example.com', PW);
  assert.ok(plain.sessionToken);
  assert.equal((await c.me(plain.sessionToken)).user.mfaEnabled, false);
  assert.equal(srv.cli(['user', 'reset-mfa', '--email', 'nobody@example.com']).code, 1);
});
