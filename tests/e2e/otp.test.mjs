// One-time codes (API.md 3.4, 1.12 authentication record, 1.15 limits, 4.3,
// 5.3, 5.5, 5.6): email codes through a real SMTP server, SMS and WhatsApp
// codes through a local server that plays the providers and records each
// request; codes are read from the delivered messages and used to log in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { startServer, client, raw } from './harness.mjs';
import { stopChecked } from './peers/stop.mjs';
import { PW, startSmtp, sql, sqlChange, setKv, mkTenant, rejects, identityWhere } from './identity_support.mjs';
import { startProvider } from './peers/provider.mjs';

let srv, smtp, prov, own;
const H = (t) => ({ 'X-Tenant-ID': t });
const codeOf = (text) => /\b(\d{6})\b/.exec(text)[1];
const mailTo = (addr) => (m) => m.to.includes(addr);
const metrics = async () => (await fetch(srv.baseUrl + '/metrics')).text();

before(async () => {
  smtp = await startSmtp();
  prov = await startProvider();
  own = await startProvider();
  srv = await startServer({
    env: {
      ...smtp.env,
      SMS_API_BASE: prov.base, SMS_ACCOUNT_SID: 'AC123', SMS_AUTH_TOKEN: 'sms-secret', SMS_FROM: '+15550001111',
      WHATSAPP_API_BASE: prov.base, WHATSAPP_PHONE_NUMBER_ID: '1098', WHATSAPP_ACCESS_TOKEN: 'wa-secret',
      RATE_LIMIT_OTP_VERIFY_IDENTIFIER: '1000/60', RATE_LIMIT_OTP_REQUEST_IDENTIFIER: '1000/60', RATE_LIMIT_SIGNUP_IP: '1000/60',
    },
  });
  mkTenant(srv, 'acme');
  mkTenant(srv, 'beta', 'admin@beta.io');
  mkTenant(srv, 'gamma', 'admin@gamma.io');
});
after(async () => { try { await stopChecked(srv); } finally { smtp?.stop(); prov?.stop(); own?.stop(); } });

test('email code through SMTP logs in once and verifies the email', async () => {
  const c = client(srv, 'acme');
  await c.signup('Ann', 'Lee', 'Ann@Example.com', PW, PW);
  const r = await c.loginEmailOtpRequest('  ANN@example.com ');
  assert.deepEqual(r, { message: 'If this email is registered, you will receive a verification code shortly.' });
  const mail = await smtp.waitFor(mailTo('Ann@Example.com'));
  assert.match(mail.data, /Subject: Your acme sign-in code/);
  assert.match(mail.data, /Your sign-in code for acme is \d{6}\.\r?\n\r?\nIt expires in 10 minutes and works only once\./);
  const code = codeOf(mail.data.split(/\r?\n\r?\n/).slice(1).join('\n'));
  // stored only as a keyed hash
  assert.equal(sql(srv, `SELECT COUNT(*) FROM otp_codes WHERE code_hash = '${code}'`), '0');
  const s = await c.loginOtpVerify('ann@EXAMPLE.com', code, 'email');
  assert.deepEqual(Object.keys(s), ['sessionToken', 'expiresAt']);
  const me = await c.me(s.sessionToken);
  assert.equal(me.user.emailVerified, true);
  await rejects(c.loginOtpVerify('ann@example.com', code, 'email'), 401, 'Unauthorized: Invalid or expired code');
  // a global delivery does not confine the session
  assert.equal((await c.validateSession(s.sessionToken)).tenantId, 'acme');
  assert.equal(sql(srv, `SELECT confined, auth_method FROM sessions WHERE identity_id = ${identityWhere('ann@example.com')}`), '0|2');
  const m = await metrics();
  assert.match(m, /otp_sent_total\{channel="email"\} [1-9]/);
  assert.match(m, /login_success_total\{method="email_otp"\} [1-9]/);
});

test('no enumeration: unknown, inactive and not-allowed members get the same answer and no code', async () => {
  const c = client(srv, 'acme');
  await c.signup('Bo', 'B', 'bo@example.com', PW, PW);
  await setKv(srv, 'acme', 'login_methods', 'allowed', [1, 3, 4, 5, 6]);
  const before = smtp.mails.length;
  for (const email of ['nobody@example.com', 'bo@example.com']) {
    const r = await raw(srv, 'POST', '/login/email-otp/request', { headers: H('acme'), body: { email } });
    assert.equal(r.status, 200);
    assert.equal(r.json.message, 'If this email is registered, you will receive a verification code shortly.');
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(smtp.mails.length, before);
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 'acme' AND group_key = 'login_methods'");
  await new Promise((r) => setTimeout(r, 100));
  // the unknown identifier and a wrong code for a known one give the same 401, counted alike
  for (const id of ['nobody@example.com', 'bo@example.com']) {
    for (let i = 0; i < 5; i++) await rejects(c.loginOtpVerify(id, '123456', 'email'), 401, 'Unauthorized: Invalid or expired code');
    await rejects(c.loginOtpVerify(id, '123456', 'email'), 401, 'Unauthorized: Too many attempts. Request a new code.');
  }
  // a request resets the counter, and then the right code works
  await c.loginEmailOtpRequest('bo@example.com');
  const code = codeOf((await smtp.waitFor(mailTo('bo@example.com'))).data.split(/\r?\n\r?\n/)[1]);
  assert.ok((await c.loginOtpVerify('bo@example.com', code, 'email')).sessionToken);
});

test('only the newest code works; the limit applies even to the right code', async () => {
  const c = client(srv, 'acme');
  await c.signup('Cy', 'C', 'cy@example.com', PW, PW);
  await setKv(srv, 'acme', 'otp_policy', 'default', { ttlSecs: 120, maxAttempts: 2 });
  await c.loginEmailOtpRequest('cy@example.com');
  const first = codeOf((await smtp.waitFor(mailTo('cy@example.com'))).data.split(/\r?\n\r?\n/)[1]);
  const n = smtp.mails.length;
  await c.loginEmailOtpRequest('cy@example.com');
  const second = codeOf((await smtp.waitFor((m, i) => smtp.mails.indexOf(m) >= n && m.to.includes('cy@example.com'))).data.split(/\r?\n\r?\n/)[1]);
  assert.match((smtp.mails.at(-1)).data, /expires in 2 minutes/);
  if (first !== second) await rejects(c.loginOtpVerify('cy@example.com', first, 'email'), 401, 'Unauthorized: Invalid or expired code');
  else await rejects(c.loginOtpVerify('cy@example.com', '000000' === first ? '111111' : '000000', 'email'), 401);
  await rejects(c.loginOtpVerify('cy@example.com', 'abc', 'email'), 401, 'Unauthorized: Invalid or expired code');
  await rejects(c.loginOtpVerify('cy@example.com', second, 'email'), 401, 'Unauthorized: Too many attempts. Request a new code.');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 'acme' AND group_key = 'otp_policy'");
});

test('SMS code: exact provider request, bare and E.164 identifiers', async () => {
  const c = client(srv, 'acme');
  await c.signup('Dee', 'D', 'dee@example.com', PW, PW, { mobile: '9876543210', countryCode: '+91' });
  const r = await c.loginMobileOtpRequest(' 9876543210 ', '91');
  assert.deepEqual(r, { message: 'If this mobile number is registered, you will receive a verification code shortly.' });
  const req = await prov.waitFor((q) => q.path.includes('/Messages.json') && q.fields?.To === '+919876543210');
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/2010-04-01/Accounts/AC123/Messages.json');
  assert.equal(req.headers.authorization, 'Basic ' + Buffer.from('AC123:sms-secret').toString('base64'));
  assert.match(req.headers['content-type'], /^application\/x-www-form-urlencoded/);
  assert.deepEqual(Object.keys(req.fields).sort(), ['Body', 'From', 'To']);
  assert.equal(req.fields.From, '+15550001111');
  assert.match(req.fields.Body, /^\d{6} is your acme sign-in code\. It expires in 10 minutes\. Do not share it with anyone\.$/);
  const s = await c.loginOtpVerify('9876543210', codeOf(req.fields.Body), 'sms');
  assert.ok(s.sessionToken);
  assert.equal((await c.me(s.sessionToken)).user.emailVerified, false);
  // E.164 form
  const n = prov.requests.length;
  await c.loginMobileOtpRequest('9876543210', '+91');
  const req2 = await prov.waitFor((q) => prov.requests.indexOf(q) >= n);
  assert.ok((await c.loginOtpVerify('+919876543210', codeOf(req2.fields.Body), 'sms')).sessionToken);
  assert.match(await metrics(), /otp_sent_total\{channel="sms"\} [1-9]/);
});

test('a bare number shared by two pending codes matches neither', async () => {
  const c = client(srv, 'acme');
  await c.signup('E1', 'E', 'e1@example.com', PW, PW, { mobile: '5551234', countryCode: '+1' });
  await c.signup('E2', 'E', 'e2@example.com', PW, PW, { mobile: '5551234', countryCode: '+44' });
  const n = prov.requests.length;
  await c.loginMobileOtpRequest('5551234', '+1');
  await c.loginMobileOtpRequest('5551234', '+44');
  await prov.waitFor(() => prov.requests.length >= n + 2);
  const codes = prov.requests.slice(n).map((q) => [q.fields.To, codeOf(q.fields.Body)]);
  await rejects(c.loginOtpVerify('5551234', codes[0][1], 'sms'), 401, 'Unauthorized: Invalid or expired code');
  const s = await c.loginOtpVerify(codes[1][0], codes[1][1], 'sms');
  assert.equal((await c.me(s.sessionToken)).user.email, codes[1][0] === '+15551234' ? 'e1@example.com' : 'e2@example.com');
});

test('WhatsApp code in text mode through the Cloud API', async () => {
  const c = client(srv, 'acme');
  await c.signup('Fay', 'F', 'fay@example.com', PW, PW, { mobile: '7012345678', countryCode: '+91' });
  const r = await c.loginWhatsAppOtpRequest('7012345678', '+91');
  assert.equal(r.message, 'If this mobile number is registered, you will receive a verification code on WhatsApp shortly.');
  const req = await prov.waitFor((q) => q.path.endsWith('/messages') && q.fields?.to === '917012345678');
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/v21.0/1098/messages');
  assert.equal(req.headers.authorization, 'Bearer wa-secret');
  assert.match(req.headers['content-type'], /^application\/json/);
  assert.deepEqual(req.fields, {
    messaging_product: 'whatsapp', recipient_type: 'individual', to: '917012345678', type: 'text',
    text: { preview_url: false, body: req.fields.text.body },
  });
  const code = codeOf(req.fields.text.body);
  // the same identifier on another channel has no code
  await rejects(c.loginOtpVerify('+917012345678', code, 'sms'), 401, 'Unauthorized: Invalid or expired code');
  const s = await c.loginOtpVerify('+917012345678', code, 'whatsapp');
  assert.ok(s.sessionToken);
  assert.match(await metrics(), /login_success_total\{method="whatsapp_otp"\} [1-9]/);
});

test("a tenant's own provider (template mode) confines the session to the tenant", async () => {
  await setKv(srv, 'beta', 'whatsapp', 'default', { phoneNumberId: '777', accessToken: 'beta-token', templateName: 'login_code', templateLanguage: 'de', apiBase: own.base });
  await setKv(srv, 'gamma', 'login_methods', 'allowed', [1, 2, 3, 4, 5, 6]);
  const b = client(srv, 'beta');
  await b.signup('Gil', 'G', 'gil@example.com', PW, PW, { mobile: '7000000001', countryCode: '+91' });
  // gil also belongs to gamma
  sql(srv, `INSERT INTO memberships (id, tenant_id, identity_id, status, created_at, updated_at)
    SELECT '0190bbbb-0000-7000-8000-000000000001', 'gamma', id, 'active', 0, 0 FROM identities WHERE id = ${identityWhere('gil@example.com')}`);
  const n = prov.requests.length;
  await b.loginWhatsAppOtpRequest('7000000001', '+91');
  const req = await own.waitFor((q) => q.fields?.to === '917000000001');
  assert.equal(req.path, '/v21.0/777/messages');
  assert.equal(req.headers.authorization, 'Bearer beta-token');
  assert.equal(req.fields.type, 'template');
  assert.equal(req.fields.template.name, 'login_code');
  assert.deepEqual(req.fields.template.language, { code: 'de' });
  const code = req.fields.template.components[0].parameters[0].text;
  assert.equal(req.fields.template.components[1].parameters[0].text, code);
  assert.equal(prov.requests.length, n, 'the global provider was not used');
  const s = await b.loginOtpVerify('+917000000001', code, 'whatsapp');
  const t = await b.sessionTenants(s.sessionToken);
  assert.deepEqual(t.tenants, [{ tenantId: 'beta', status: 'active' }]);
  await rejects(b.switchTenant(s.sessionToken, 'gamma'), 403);
  // a globally delivered code of the same identity is not confined
  await client(srv, 'gamma').loginMobileOtpRequest('7000000001', '+91');
  const g = await prov.waitFor((q) => q.fields?.To === '+917000000001');
  const gs = await client(srv, 'gamma').loginOtpVerify('7000000001', codeOf(g.fields.Body), 'sms');
  assert.equal((await b.sessionTenants(gs.sessionToken)).tenants.length, 2);
});

test('provider failure or timeout neither leaks the code nor holds the request', async () => {
  const c = client(srv, 'acme');
  await c.signup('Hal', 'H', 'hal@example.com', PW, PW, { mobile: '8000000001', countryCode: '+91' });
  for (const mode of ['fail', 'hang']) {
    prov.state.mode = mode;
    const n = prov.requests.length;
    const t0 = Date.now();
    const r = await raw(srv, 'POST', '/login/mobile-otp/request', { headers: H('acme'), body: { mobile: '8000000001', countryCode: '+91' } });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms`);
    assert.ok(!/\d{6}/.test(r.text));
    const q = await prov.waitFor((x) => prov.requests.indexOf(x) >= n);
    if (mode === 'fail') {
      const deadline = Date.now() + 5000;
      while (!/message_delivery_failures_total\{channel="sms"\} [1-9]/.test(await metrics())) {
        assert.ok(Date.now() < deadline, 'delivery failure counted');
        await new Promise((res) => setTimeout(res, 100));
      }
      const code = codeOf(q.fields.Body);
      assert.ok(!srv.logs().includes(code), 'the code is not in the log');
      assert.match(srv.logs(), /delivery_failed/);
    }
  }
  prov.state.mode = 'ok';
});

test('input errors and the method check at verify', async () => {
  const c = client(srv, 'acme');
  const post = (p, body) => raw(srv, 'POST', p, { headers: H('acme'), body });
  const cases = [
    ['/login/email-otp/request', { email: '  ' }, 'Bad request: email is required'],
    ['/login/mobile-otp/request', { mobile: ' ', countryCode: '+1' }, 'Bad request: mobile is required'],
    ['/login/mobile-otp/request', { mobile: '12345', countryCode: '' }, 'Bad request: countryCode is required'],
    ['/login/mobile-whatsapp-otp/request', { mobile: '12345', countryCode: '+0' }, 'Bad request: Invalid country code'],
    ['/login/mobile-whatsapp-otp/request', { mobile: '12a45', countryCode: '+1' }, 'Bad request: Invalid mobile number'],
    ['/login/otp/verify', { identifier: 'x', code: ' ', channel: 'email' }, 'Bad request: identifier, code, and channel are required'],
    ['/login/otp/verify', { identifier: 'x', code: '123456', channel: 'fax' }, 'Bad request: channel must be one of email, sms, whatsapp'],
  ];
  for (const [p, body, msg] of cases) {
    const r = await post(p, body);
    assert.equal(r.status, 400, p);
    assert.equal(r.json.message, msg);
  }
  let r = await post('/login/otp/verify', { identifier: 'x', code: 1, channel: 'email' });
  assert.equal(r.status, 422);
  await setKv(srv, 'acme', 'email_policy', 'allowed_domains', ['corp.io']);
  await rejects(c.loginEmailOtpRequest('someone@example.com'), 403, 'Forbidden: Email domain is not permitted');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 'acme' AND group_key = 'email_policy'");
  await c.signup('Ivy', 'I', 'ivy@example.com', PW, PW);
  await c.loginEmailOtpRequest('ivy@example.com');
  const code = codeOf((await smtp.waitFor(mailTo('ivy@example.com'))).data.split(/\r?\n\r?\n/)[1]);
  await setKv(srv, 'acme', 'login_methods', 'allowed', [1]);
  await rejects(c.loginOtpVerify('ivy@example.com', code, 'email'), 403, 'Forbidden: Email OTP login is not allowed for your account');
  await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 'acme' AND group_key = 'login_methods'");
  assert.ok((await c.loginOtpVerify('ivy@example.com', code, 'email')).sessionToken, 'the refused code was not consumed');
});

test('an MFA-enrolled identity gets the MFA challenge', async () => {
  const c = client(srv, 'acme');
  await c.signup('Jo', 'J', 'jo@example.com', PW, PW);
  const tok = (await c.loginEmailPassword('jo@example.com', PW)).sessionToken;
  const en = await c.enableMfa(tok);
  await c.verifyMfa(tok, await generate({ secret: en.secret }));
  await c.loginEmailOtpRequest('jo@example.com');
  const code = codeOf((await smtp.waitFor(mailTo('jo@example.com'))).data.split(/\r?\n\r?\n/)[1]);
  const r = await c.loginOtpVerify('jo@example.com', code, 'email');
  assert.equal(r.mfaRequired, true);
  const s = await c.validateMfa(r.mfaToken, await generate({ secret: en.secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  assert.equal(sql(srv, `SELECT auth_method FROM sessions WHERE token_hash IS NOT NULL AND identity_id = ${identityWhere('jo@example.com')} ORDER BY created_at DESC LIMIT 1`), '2');
  assert.ok(s.sessionToken);
});

test('rate limits on requests and verification', async () => {
  const srv2 = await startServer({ env: { RATE_LIMIT_OTP_REQUEST_IDENTIFIER: '2/60', RATE_LIMIT_OTP_VERIFY_IP: '3/60' } });
  try {
    mkTenant(srv2, 'acme');
    const post = (p, body) => raw(srv2, 'POST', p, { headers: H('acme'), body });
    for (let i = 0; i < 2; i++) assert.equal((await post('/login/email-otp/request', { email: 'X@y.io' })).status, 200);
    const r = await post('/login/email-otp/request', { email: ' x@Y.io ' });
    assert.equal(r.status, 429);
    assert.match(r.json.message, /^Rate limit: Too many requests, retry after \d+ seconds$/);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal((await post('/login/mobile-otp/request', { mobile: '5550000', countryCode: '1' })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await post('/login/otp/verify', { identifier: 'a@b.io', code: '1', channel: 'email' })).status, 401);
    assert.equal((await post('/login/otp/verify', { identifier: 'a@b.io', code: '1', channel: 'email' })).status, 429);
    assert.match(await (await fetch(srv2.baseUrl + '/metrics')).text(), /login_failure_total\{method="email_otp",reason="rate_limited"\} 1/);
  } finally { await stopChecked(srv2); }
});

test('without any provider the code goes to the dev outbox', async () => {
  const { mkdtempSync, readFileSync, statSync } = await import('node:fs');
  const os = await import('node:os');
  const dir = mkdtempSync(os.default.tmpdir() + '/authrs-outbox-');
  const srv3 = await startServer({ env: { OUTBOX_PATH: `${dir}/outbox.jsonl` } });
  try {
    mkTenant(srv3, 'acme');
    const c = client(srv3, 'acme');
    await c.signup('Kim', 'K', 'kim@example.com', PW, PW, { mobile: '9000000001', countryCode: '+91' });
    await c.loginMobileOtpRequest('9000000001', '+91');
    let line;
    for (let i = 0; i < 50 && !line; i++) {
      try { line = readFileSync(`${dir}/outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((m) => m.kind === 'otp'); } catch { /* not yet */ }
      if (!line) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(statSync(`${dir}/outbox.jsonl`).mode & 0o777, 0o600);
    assert.equal(line.channel, 'sms');
    assert.equal(line.to, '+919000000001');
    assert.equal(line.subject, null);
    assert.match(line.code, /^\d{6}$/);
    const s = await c.loginOtpVerify('+919000000001', line.code, 'sms');
    assert.ok(s.sessionToken);
    assert.deepEqual((await c.sessionTenants(s.sessionToken)).tenants, [{ tenantId: 'acme', status: 'active' }]);
    assert.match(await (await fetch(srv3.baseUrl + '/metrics')).text(), /otp_sent_total\{channel="sms"\} 1/);
  } finally { await stopChecked(srv3); }
});

test("an expired code is refused; a code sent through the tenant's own SMTP confines the session", async () => {
  const c = client(srv, 'acme');
  await c.signup('Lu', 'L', 'lu@example.com', PW, PW);
  await c.loginEmailOtpRequest('lu@example.com');
  const code = codeOf((await smtp.waitFor(mailTo('lu@example.com'))).data.split(/\r?\n\r?\n/)[1]);
  sql(srv, "UPDATE otp_codes SET expires_at = 0 WHERE identifier = 'lu@example.com'");
  await rejects(c.loginOtpVerify('lu@example.com', code, 'email'), 401, 'Unauthorized: Invalid or expired code');
  // beta's own mail server
  const own = await startSmtp();
  try {
    await setKv(srv, 'beta', 'smtp', 'default', { host: '127.0.0.1', port: own.port, from: 'Beta <no-reply@beta.test>', tls: 'none' });
    const b = client(srv, 'beta');
    await b.signup('Mo', 'M', 'mo@example.com', PW, PW);
    const before = smtp.mails.length;
    await b.loginEmailOtpRequest('mo@example.com');
    const mail = await own.waitFor(mailTo('mo@example.com'));
    assert.match(mail.data, /From: Beta <no-reply@beta\.test>/);
    assert.match(mail.data, /Subject: Your beta sign-in code/);
    const s = await b.loginOtpVerify('mo@example.com', codeOf(mail.data.split(/\r?\n\r?\n/)[1]), 'email');
    assert.equal(sql(srv, `SELECT confined FROM sessions WHERE identity_id = ${identityWhere('mo@example.com')} ORDER BY created_at DESC LIMIT 1`), '1');
    assert.deepEqual((await b.sessionTenants(s.sessionToken)).tenants, [{ tenantId: 'beta', status: 'active' }]);
    assert.equal(smtp.mails.filter((m) => m.to.includes('mo@example.com')).length, 0, 'the global server got nothing');
    assert.ok(smtp.mails.length >= before);
  } finally {
    own.stop();
    await sqlChange(srv, "DELETE FROM kv_store WHERE tenant_id = 'beta' AND group_key = 'smtp'");
  }
});
