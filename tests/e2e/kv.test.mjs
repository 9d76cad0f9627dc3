// KV store (API.md 3.16, 1.16, 4.6): entries, reserved-group validation,
// encryption at rest and masking of secret groups, and the configuration
// readers seeing a PUT at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from './harness.mjs';
import { adminTenant, adminRaw, fails } from './admin_support.mjs';

let srv, a;
before(async () => {
  srv = await startServer();
  a = await adminTenant(srv, 'kvt');
});
after(async () => { await srv?.stop(); });


test('plain entries: put, get, list sorted, delete, 404s, size limit', async () => {
  assert.deepEqual(await a.c.setKvValue(a.token, 'app', 'b', 'two'), { groupKey: 'app', key: 'b', value: 'two' });
  await a.c.setKvValue(a.token, 'app', 'a', 'one');
  await a.c.setKvValue(a.token, 'app', 'a', 'uno');
  await a.c.setKvValue(a.token, 'Zed', 'k', 'not json at all {');
  assert.deepEqual(await a.c.getKvValue(a.token, 'app', 'a'), { groupKey: 'app', key: 'a', value: 'uno' });
  const list = await a.c.listKvKeys(a.token);
  assert.deepEqual(list.map((e) => `${e.groupKey}/${e.key}`), ['Zed/k', 'app/a', 'app/b']);
  assert.deepEqual(await a.c.deleteKvValue(a.token, 'app', 'a'), { message: 'Key deleted' });
  await fails(a.c.getKvValue(a.token, 'app', 'a'), 404, 'Not found: Key not found');
  await fails(a.c.deleteKvValue(a.token, 'app', 'a'), 404, 'Not found: Key not found');
  await fails(a.c.setKvValue(a.token, 'app', 'big', 'x'.repeat(65537)), 400, 'Bad request: value must be at most 65536 bytes');
  assert.equal((await a.c.setKvValue(a.token, 'app', 'big', 'x'.repeat(65536))).value.length, 65536);
  assert.equal((await adminRaw(srv, a, 'GET', '/admin/kv_store/bad%20group/k')).status, 400);
});

test('reserved groups are validated', async () => {
  const bad = (g, k, v, detail) => fails(a.c.setKvValue(a.token, g, k, v), 400, `Bad request: Invalid value for ${g}/${k}: ${detail}`);
  await bad('login_methods', 'allowed', '[]', 'must be a non-empty array');
  await bad('login_methods', 'allowed', '[1,1]', 'elements must be distinct');
  await bad('login_methods', 'other', '[1]', "unknown key 'other'");
  await bad('session_policy', 'default', '{"absoluteTimeoutMins":0}', 'absoluteTimeoutMins must be an integer between 1 and 525600');
  await bad('session_policy', 'default', '{"x":1}', "unknown field 'x'");
  await bad('lockout_policy', 'default', 'nope', 'not valid JSON');
  await bad('otp_policy', 'default', '{"ttlSecs":30}', 'ttlSecs must be an integer between 60 and 3600');
  await bad('rate_limits', 'login_ip', '{"maxRequests":1}', "missing field 'windowSecs'");
  await bad('rate_limits', 'nosuch', '{"maxRequests":1,"windowSecs":1}', "unknown key 'nosuch'");
  await bad('mfa', 'default', '{"issuer":""}', 'issuer must be a string of 1 to 64 characters');
  await bad('frontend_config', 'base_url', 'ftp://x', 'must be an absolute http(s) URL');
  await bad('email_policy', 'allowed_domains', '"acme.com"', 'must be an array of strings');
  await bad('oauth', 'google', '{"clientId":"x"}', "missing field 'clientSecret'");
  const r = await adminRaw(srv, a, 'PUT', '/admin/kv_store/password_policy/default', { value: '{"minLength":0}' });
  assert.equal(r.status, 400);
  assert.match(r.json.message, /^Bad request: Invalid value for password_policy\/default: /);
  const smtp = await adminRaw(srv, a, 'PUT', '/admin/kv_store/smtp/default', { value: '{"nope":1}' });
  assert.match(smtp.json.message, /^Bad request: Invalid value for smtp\/default: /);
  for (const [g, k, v] of [['login_methods', 'allowed', '[1,4]'], ['session_policy', 'default', '{"absoluteTimeoutMins":60}'],
    ['frontend_config', 'base_url', 'https://app.example.com'], ['frontend_config', 'base_url', '"https://app.example.com"'],
    ['rate_limits', 'login_ip', '{"maxRequests":0,"windowSecs":60}'], ['mfa', 'default', '{"issuer":"Acme"}'],
    ['email_policy', 'allowed_domains', '["@acme.com"]'], ['otp_policy', 'default', '{"ttlSecs":60,"maxAttempts":3}']])
    assert.equal((await a.c.setKvValue(a.token, g, k, v)).value, v);
});

test('secret groups: sealed at rest, masked on every read', async () => {
  const value = JSON.stringify({ clientId: 'cid', clientSecret: 'very-secret-value', redirectUrl: 'https://app.example.com/cb' });
  assert.deepEqual(await a.c.setKvValue(a.token, 'oauth', 'google', value), { groupKey: 'oauth', key: 'google', value: '********' });
  assert.equal((await a.c.getKvValue(a.token, 'oauth', 'google')).value, '********');
  assert.equal((await a.c.listKvKeys(a.token)).find((e) => e.groupKey === 'oauth').value, '********');
  const stored = sql(srv, "SELECT value || '|' || encrypted FROM kv_store WHERE group_key = 'oauth'");
  assert.match(stored, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\|1$/);
  assert.ok(!stored.includes('very-secret'));
  const sms = JSON.stringify({ accountSid: 'AC1', authToken: 'tok', from: '+15550001111' });
  assert.equal((await a.c.setKvValue(a.token, 'sms', 'default', sms)).value, '********');
});

test('a login_methods PUT applies to the next login', async () => {
  const t = await adminTenant(srv, 'kvlogin');
  await t.c.setKvValue(t.token, 'login_methods', 'allowed', '[4]');
  const r = await fails(t.c.loginEmailPassword(t.email, 'Sturdy-Pass-42'), 403);
  assert.match(r.message, /^Forbidden: /);
  await t.c.deleteKvValue(t.token, 'login_methods', 'allowed');
  assert.ok((await t.c.loginEmailPassword(t.email, 'Sturdy-Pass-42')).sessionToken);
});
