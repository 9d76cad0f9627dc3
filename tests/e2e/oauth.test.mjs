// OAuth / OpenID Connect (API.md 3.5, 1.12): the whole authorization-code
// flow against a real OpenID provider (oidc-provider) configured as a tenant's
// `google` and as a global generic issuer, and ID-token verification, code
// exchange and GitHub's user API against a small hand-made provider that
// produces bad tokens on demand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { generate } from 'otplib';
import { startServer, client, raw } from './harness.mjs';
import { stopChecked } from './peers/stop.mjs';
import { PW, sql, sqlChange, setKv, mkTenant, rejects, identityWhere } from './identity_support.mjs';
import { startOidc, signIn } from './peers/oidc.mjs';
import { startFakeIdp, signJwt } from './peers/fakeidp.mjs';

const APP = 'http://app.test/callback';
let srv, op, fake;
const now = () => Math.floor(Date.now() / 1000);
const H = (t) => ({ 'X-Tenant-ID': t });

before(async () => {
  op = await startOidc({
    clientAuthMethods: ['client_secret_basic'],
    accounts: {
      alice: { email: 'alice@idp.test', email_verified: true, given_name: 'Alice', family_name: 'Liddell' },
      bob: { email: 'bob@example.com', email_verified: true, name: 'Bob van Builder' },
      carol: { email: 'carol@example.com', email_verified: true, name: 'Carol' },
      dave: { email: 'dave@example.com', email_verified: false, name: 'Dave' },
      erin: { email: 'erin@idp.test', email_verified: true, name: 'Erin E' },
    },
    clients: [
      { client_id: 'acme-google', client_secret: 'google-secret-0123456789', redirect_uris: [APP, 'http://app.test/other'],
        token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'RS256' },
      { client_id: 'corp-client', client_secret: 'corp-secret-0123456789', redirect_uris: [APP],
        token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256' },
    ],
  });
  fake = await startFakeIdp();
  srv = await startServer({
    env: {
      OAUTH_ALLOW_HTTP: 'true', DEFAULT_TENANT_ID: 'acme',
      OAUTH_CORP_CLIENT_ID: 'corp-client', OAUTH_CORP_CLIENT_SECRET: 'corp-secret-0123456789',
      OAUTH_CORP_REDIRECT_URL: APP, OAUTH_CORP_ISSUER: op.issuer, OAUTH_CORP_ALLOW_SIGNUP: 'true',
    },
  });
  mkTenant(srv, 'acme');
  mkTenant(srv, 'beta', 'admin@beta.io');
  await setKv(srv, 'acme', 'oauth', 'google', { clientId: 'acme-google', clientSecret: 'google-secret-0123456789',
    redirectUrl: APP, allowedRedirectUrls: ['http://app.test/other'], issuer: op.issuer, allowSignup: true });
  await setKv(srv, 'acme', 'oauth', 'fake', { clientId: 'cid', clientSecret: 's3cr3t', redirectUrl: APP, issuer: fake.base, allowSignup: true });
  await setKv(srv, 'acme', 'oauth', 'github', { clientId: 'gh-id', clientSecret: 'gh-secret', redirectUrl: APP, allowSignup: true,
    authorizationEndpoint: `${fake.base}/login/oauth/authorize`, tokenEndpoint: `${fake.base}/token`, userinfoEndpoint: `${fake.base}/user` });
});
after(async () => { try { await stopChecked(srv); } finally { op?.stop(); fake?.stop(); } });

// GET without following redirects (the harness's raw() follows them).
async function get(p, headers = {}) {
  const r = await fetch(srv.baseUrl + p, { headers, redirect: 'manual' });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json };
}

async function start(provider, { tenant = 'acme', query = '', headers } = {}) {
  const r = await get(`/oauth/${provider}${query}`, headers ?? H(tenant));
  assert.equal(r.status, 302, r.text);
  assert.equal(r.text, '');
  return new URL(r.headers.get('location'));
}

async function fullFlow(provider, account, opts) {
  const loc = await start(provider, opts);
  const back = new URL(await signIn(loc.toString(), 'http://app.test/', account));
  assert.equal(back.searchParams.get('state'), loc.searchParams.get('state'));
  return { loc, code: back.searchParams.get('code'), state: back.searchParams.get('state') };
}

const callback = (provider, params) => raw(srv, 'GET', `/oauth/${provider}/callback?${new URLSearchParams(params)}`);

test('start: 302 with state, nonce and PKCE S256; tenant rules', async () => {
  const loc = await start('google');
  assert.equal(`${loc.origin}${loc.pathname}`, `${op.issuer}/auth`);
  const p = loc.searchParams;
  assert.equal(p.get('response_type'), 'code');
  assert.equal(p.get('client_id'), 'acme-google');
  assert.equal(p.get('redirect_uri'), APP);
  assert.equal(p.get('scope'), 'openid email profile');
  assert.match(p.get('state'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(p.get('nonce'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(p.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(p.get('code_challenge_method'), 'S256');
  // state and verifier stay server side: only a hash of the state is stored
  assert.equal(sql(srv, `SELECT COUNT(*) FROM oauth_states WHERE state_hash = '${p.get('state')}'`), '0');
  const verifier = sql(srv, `SELECT pkce_verifier FROM oauth_states WHERE state_hash = '${crypto.createHash('sha256').update(p.get('state')).digest('hex')}'`);
  assert.equal(crypto.createHash('sha256').update(verifier).digest('base64url'), p.get('code_challenge'));
  // tenant from the query, from DEFAULT_TENANT_ID, disagreeing
  assert.equal((await start('google', { headers: {}, query: '?tenant=acme' })).searchParams.get('client_id'), 'acme-google');
  assert.equal((await start('google', { headers: {} })).searchParams.get('client_id'), 'acme-google');
  let r = await get('/oauth/google?tenant=beta', H('acme'));
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'Bad request: X-Tenant-ID and tenant parameter disagree');
  r = await get('/oauth/google?tenant=nope');
  assert.equal(r.status, 404);
  r = await get('/oauth/google?tenant=Bad');
  assert.equal(r.json.message, 'Bad request: X-Tenant-ID must be lower snake_case (e.g. my_tenant)');
  r = await get('/oauth/google', H('beta'));
  assert.equal(r.status, 404);
  assert.equal(r.json.message, "Not found: OAuth provider 'google' is not configured for this tenant");
  r = await get('/oauth/google?redirect_uri=http://evil.test/cb', H('acme'));
  assert.equal(r.json.message, 'Bad request: redirect_uri is not allowed');
  assert.equal((await start('google', { query: '?redirect_uri=' + encodeURIComponent('http://app.test/other') })).searchParams.get('redirect_uri'), 'http://app.test/other');
  r = await raw(srv, 'HEAD', '/oauth/google', H('acme'));
  assert.equal(r.status, 405);
  // GitHub: no nonce, its own scopes
  const gh = await start('github');
  assert.equal(gh.pathname, '/login/oauth/authorize');
  assert.equal(gh.searchParams.get('scope'), 'read:user user:email');
  assert.equal(gh.searchParams.get('nonce'), null);
  await setKv(srv, 'acme', 'login_methods', 'allowed', [1, 2]);
  r = await get('/oauth/google', H('acme'));
  assert.equal(r.status, 403);
  assert.equal(r.json.message, 'Forbidden: This login method is not allowed for this tenant');
  await sqlChange(srv, "DELETE FROM kv_store WHERE group_key = 'login_methods'");
  await setKv(srv, 'beta', 'oauth', 'down', { clientId: 'x', clientSecret: 'y', redirectUrl: APP, issuer: 'http://127.0.0.1:9' });
  r = await get('/oauth/down', H('beta'));
  assert.equal(r.status, 502);
  assert.equal(r.json.message, 'Bad gateway: Could not reach the provider');
});

test("the tenant's google (real OpenID provider): sign-up, confined session, then the link", async () => {
  const { code, state } = await fullFlow('google', 'alice');
  const c = client(srv, 'acme');
  const s = await c.oauthCallback('google', code, state);
  assert.deepEqual(Object.keys(s), ['sessionToken', 'expiresAt']);
  const me = await c.me(s.sessionToken);
  assert.equal(me.user.email, 'alice@idp.test');
  assert.equal(me.user.firstName, 'Alice');
  assert.equal(me.user.lastName, 'Liddell');
  assert.equal(me.user.emailVerified, false, 'a tenant provider never verifies the email');
  assert.deepEqual((await c.sessionTenants(s.sessionToken)).tenants, [{ tenantId: 'acme', status: 'active' }]);
  assert.equal(sql(srv, `SELECT tenant_id || ' ' || issuer FROM oauth_links WHERE identity_id = ${identityWhere('alice@idp.test')}`), `acme ${op.issuer}`);
  // the state is single use
  const again = await callback('google', { code, state });
  assert.equal(again.status, 400);
  assert.equal(again.json.message, 'Bad request: Invalid or expired OAuth state');
  // second sign-in goes through the link
  const f2 = await fullFlow('google', 'alice');
  const s2 = await c.oauthCallback('google', f2.code, f2.state);
  assert.equal((await c.me(s2.sessionToken)).user.id, me.user.id);
  assert.match(await (await fetch(srv.baseUrl + '/metrics')).text(), /login_success_total\{method="oauth"\} [1-9]/);
});

test('global generic issuer (ES256, client_secret_basic): links a verified email, 409 for an unverified one', async () => {
  const c = client(srv, 'acme');
  await c.signup('Bob', 'B', 'Bob@Example.com', PW, PW);
  sql(srv, `UPDATE identities SET email_verified = 1 WHERE id = ${identityWhere('bob@example.com')}`);
  const f = await fullFlow('corp', 'bob');
  const s = await c.oauthCallback('corp', f.code, f.state);
  const me = await c.me(s.sessionToken);
  assert.equal(me.user.email, 'Bob@Example.com');
  assert.equal(sql(srv, `SELECT COALESCE(tenant_id, 'global') FROM oauth_links WHERE identity_id = ${identityWhere('bob@example.com')}`), 'global');
  assert.equal(sql(srv, `SELECT confined, auth_method FROM sessions WHERE identity_id = ${identityWhere('bob@example.com')} ORDER BY created_at DESC LIMIT 1`), '0|5');
  // (the provider accepts only client_secret_basic, so the exchange used HTTP basic authentication)
  // an identity whose email is not verified cannot be taken over
  await c.signup('Carol', 'C', 'carol@example.com', PW, PW);
  const f2 = await fullFlow('corp', 'carol');
  await rejects(c.oauthCallback('corp', f2.code, f2.state), 409, 'Conflict: An account with this email already exists; sign in with it first');
  // a global sign-up of a new person verifies the email
  const f3 = await fullFlow('corp', 'erin', { tenant: 'beta' });
  const s3 = await client(srv, 'beta').oauthCallback('corp', f3.code, f3.state);
  const erin = await client(srv, 'beta').me(s3.sessionToken);
  assert.equal(erin.user.emailVerified, true);
  assert.equal(erin.user.firstName, 'Erin');
  assert.equal(erin.user.lastName, 'E');
  // an unverified provider email: new identity without an email
  const f4 = await fullFlow('corp', 'dave');
  const s4 = await c.oauthCallback('corp', f4.code, f4.state);
  assert.equal((await c.me(s4.sessionToken)).user.email, null);
  assert.match(await (await fetch(srv.baseUrl + '/metrics')).text(), /login_failure_total\{method="oauth",reason="account_conflict"\} 1/);
});

test('a tenant provider never attaches to an existing identity by email; MFA applies', async () => {
  const c = client(srv, 'acme');
  await c.signup('Carl', 'C', 'bob2@example.com', PW, PW);
  // carol exists (previous test): the tenant google refuses even a verified email
  const f = await fullFlow('google', 'carol');
  await rejects(c.oauthCallback('google', f.code, f.state), 409, 'Conflict: An account with this email already exists; sign in with it first');
  // MFA: bob (linked globally) enrols, then corp answers the challenge
  const tok = (await c.loginEmailPassword('bob@example.com', PW)).sessionToken;
  const en = await c.enableMfa(tok);
  await c.verifyMfa(tok, await generate({ secret: en.secret }));
  const f2 = await fullFlow('corp', 'bob');
  const r = await c.oauthCallback('corp', f2.code, f2.state);
  assert.equal(r.mfaRequired, true);
});

test('no membership without sign-up: 403', async () => {
  await setKv(srv, 'beta', 'oauth', 'google', { clientId: 'acme-google', clientSecret: 'google-secret-0123456789', redirectUrl: APP, issuer: op.issuer });
  // alice's link belongs to acme's provider: beta's provider sees an existing email
  let f = await fullFlow('google', 'alice', { tenant: 'beta' });
  let r = await callback('google', { code: f.code, state: f.state });
  assert.equal(r.status, 409);
  // dave's provider email belongs to nobody, and beta allows no sign-up
  f = await fullFlow('google', 'dave', { tenant: 'beta' });
  r = await callback('google', { code: f.code, state: f.state });
  assert.equal(r.status, 403);
  assert.equal(r.json.message, 'Forbidden: No membership in this tenant');
});

// ---- the hand-made provider ----

async function fakeStart() {
  const loc = await start('fake');
  return { state: loc.searchParams.get('state'), nonce: loc.searchParams.get('nonce'), challenge: loc.searchParams.get('code_challenge') };
}

function idToken(claims, { alg = 'RS256', kid = 'r1', key } = {}) {
  const k = key ?? (alg === 'ES256' ? fake.ec.privateKey : alg === 'HS256' ? 's3cr3t' : fake.rsa.privateKey);
  return signJwt({ alg, kid, typ: 'JWT' }, claims, k);
}

const goodClaims = (nonce, extra = {}) => ({ iss: fake.base, aud: 'cid', sub: 'fake-1', nonce, exp: now() + 300, iat: now(),
  email: 'frank@fake.test', email_verified: true, name: 'Frank Fake', ...extra });

async function fakeCallback(makeToken, makeClaims = goodClaims) {
  const { state, nonce } = await fakeStart();
  fake.state.token = () => ({ status: 200, body: { access_token: 'at', token_type: 'Bearer', id_token: makeToken(makeClaims(nonce)) } });
  return callback('fake', { code: 'the-code', state });
}

test('ID token checks: signature, alg, iss, aud/azp, exp/iat with skew, nonce', async () => {
  const bad = async (mk, mc) => {
    const r = await fakeCallback(mk, mc);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.message, 'Unauthorized: ID token verification failed');
  };
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  await bad((c) => idToken(c, { key: other.privateKey }));                       // wrongly signed
  await bad((c) => idToken(c, { alg: 'HS256' }));                                // HMAC with the secret
  await bad((c) => signJwt({ alg: 'none' }, c, null));                           // unsigned
  await bad((c) => idToken(c, { alg: 'ES256', kid: 'r1' }));                     // EC alg with the RSA key id
  await bad((c) => idToken(c), (n) => goodClaims(n, { iss: 'http://evil.test' }));
  await bad((c) => idToken(c), (n) => goodClaims(n, { aud: 'other' }));
  await bad((c) => idToken(c), (n) => goodClaims(n, { aud: ['cid', 'other'] }));  // several audiences, no azp
  await bad((c) => idToken(c), (n) => goodClaims(n, { exp: now() - 61 }));
  await bad((c) => idToken(c), (n) => goodClaims(n, { iat: now() + 120 }));
  await bad((c) => idToken(c), () => goodClaims('not-the-nonce'));
  await bad((c) => idToken(c), (n) => goodClaims(n, { nonce: undefined }));
  // accepted: ES256, several audiences with azp, inside the skew allowance
  let r = await fakeCallback((c) => idToken(c, { alg: 'ES256', kid: 'e1' }),
    (n) => goodClaims(n, { aud: ['other', 'cid'], azp: 'cid', exp: now() - 30, iat: now() + 30 }));
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.sessionToken);
  // the token request: form fields, PKCE verifier, no basic auth
  const { state, challenge } = await fakeStart();
  let seen;
  fake.state.token = (req) => { seen = req; return { status: 200, body: { access_token: 'at', id_token: 'x.y.z' } }; };
  await callback('fake', { code: 'c0de', state });
  assert.equal(seen.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(seen.headers.accept, 'application/json');
  assert.equal(seen.headers.authorization, undefined);
  assert.deepEqual(Object.keys(seen.form).sort(), ['client_id', 'client_secret', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
  assert.equal(seen.form.grant_type, 'authorization_code');
  assert.equal(seen.form.code, 'c0de');
  assert.equal(seen.form.client_secret, 's3cr3t');
  assert.equal(seen.form.redirect_uri, APP);
  assert.equal(crypto.createHash('sha256').update(seen.form.code_verifier).digest('base64url'), challenge);
});

test('an unknown kid re-fetches the JWKS once', async () => {
  const rotated = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const before = fake.counts.jwks;
  fake.state.jwks.keys.push({ ...rotated.publicKey.export({ format: 'jwk' }), kid: 'r2', use: 'sig' });
  const r = await fakeCallback((c) => idToken(c, { kid: 'r2', key: rotated.privateKey }));
  assert.equal(r.status, 200, r.text);
  assert.equal(fake.counts.jwks, before + 1);
  const r2 = await fakeCallback((c) => idToken(c, { kid: 'r9', key: rotated.privateKey }));
  assert.equal(r2.status, 401);
});

test('state and code errors; token endpoint failures', async () => {
  let r = await callback('fake', { code: 'x' });
  assert.equal(r.json.message, 'Bad request: Invalid or expired OAuth state');
  const { state } = await fakeStart();
  r = await callback('fake', { code: 'x', state: state.slice(0, -1) + (state.endsWith('A') ? 'B' : 'A') });
  assert.equal(r.json.message, 'Bad request: Invalid or expired OAuth state');
  r = await callback('google', { code: 'x', state });
  assert.equal(r.json.message, 'Bad request: Invalid or expired OAuth state', 'issued for another provider');
  r = await callback('fake', { error: 'access_denied', state });
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'Bad request: Authorization was not granted: access_denied');
  r = await callback('fake', { code: 'x', state });
  assert.equal(r.json.message, 'Bad request: Invalid or expired OAuth state', 'consumed by the failed attempt');
  r = await callback('fake', { state: (await fakeStart()).state });
  assert.equal(r.json.message, 'Bad request: code is required');
  const cases = [
    [{ status: 400, body: { error: 'invalid_grant' } }, 400, 'Bad request: Authorization code is invalid or expired'],
    [{ status: 500, body: {} }, 502, 'Bad gateway: Token exchange with fake failed'],
    [{ status: 200, body: { token_type: 'Bearer' } }, 502, 'Bad gateway: Token exchange with fake failed'],
    [{ status: 200, body: { access_token: 'at' } }, 401, 'Unauthorized: ID token verification failed'],
  ];
  for (const [answer, status, msg] of cases) {
    const s = await fakeStart();
    fake.state.token = () => answer;
    r = await callback('fake', { code: 'x', state: s.state });
    assert.equal(r.status, status);
    assert.equal(r.json.message, msg);
  }
  // an expired state
  const s = await fakeStart();
  sql(srv, 'UPDATE oauth_states SET expires_at = 0');
  r = await callback('fake', { code: 'x', state: s.state });
  assert.equal(r.json.message, 'Bad request: Invalid or expired OAuth state');
});

test('GitHub through its user API; email-domain list', async () => {
  let seen = [];
  fake.state.token = (req) => { seen.push(req); return { status: 200, body: { access_token: 'gho_token', token_type: 'bearer' } }; };
  const loc = await start('github');
  const n = fake.requests.length;
  let r = await callback('github', { code: 'gh-code', state: loc.searchParams.get('state') });
  assert.equal(r.status, 200, r.text);
  const api = fake.requests.slice(n).filter((q) => q.path.startsWith('/user'));
  assert.deepEqual(api.map((q) => q.path), ['/user', '/user/emails']);
  for (const q of api) {
    assert.equal(q.headers.authorization, 'Bearer gho_token');
    assert.equal(q.headers.accept, 'application/vnd.github+json');
    assert.equal(q.headers['user-agent'], 'authrs');
  }
  const me = await client(srv, 'acme').me(r.json.sessionToken);
  assert.equal(me.user.email, 'octo@gh.test');
  assert.equal(me.user.firstName, 'Octo');
  assert.equal(me.user.lastName, 'Cat');
  assert.equal(sql(srv, "SELECT issuer || ' ' || subject FROM oauth_links WHERE provider = 'github'"), 'https://github.com 4242');
  fake.state.userStatus = 500;
  r = await callback('github', { code: 'gh-code', state: (await start('github')).searchParams.get('state') });
  assert.equal(r.status, 502);
  fake.state.userStatus = 200;
  await setKv(srv, 'acme', 'email_policy', 'allowed_domains', ['corp.io']);
  r = await callback('github', { code: 'gh-code', state: (await start('github')).searchParams.get('state') });
  assert.equal(r.status, 403);
  assert.equal(r.json.message, 'Forbidden: Email domain is not permitted');
  await sqlChange(srv, "DELETE FROM kv_store WHERE group_key = 'email_policy'");
});

test("microsoft with msTenant 'common' expects the issuer of the token's tid", async () => {
  await setKv(srv, 'acme', 'oauth', 'microsoft', { clientId: 'cid', clientSecret: 's3cr3t', redirectUrl: APP, issuer: fake.base, allowSignup: true });
  const ms = (tid) => `https://login.microsoftonline.com/${tid}/v2.0`;
  const run = async (claims) => {
    const loc = await start('microsoft');
    const nonce = loc.searchParams.get('nonce');
    fake.state.token = () => ({ status: 200, body: { access_token: 'at', id_token: idToken({ aud: 'cid', sub: 'ms-1', nonce, exp: now() + 300, iat: now(), email: 'mia@ms.test', email_verified: true, ...claims }) } });
    return callback('microsoft', { code: 'c', state: loc.searchParams.get('state') });
  };
  let r = await run({ iss: ms('tid-1'), tid: 'tid-2' });
  assert.equal(r.status, 401);
  r = await run({ iss: ms('tid-1') });
  assert.equal(r.status, 401);
  r = await run({ iss: ms('tid-1'), tid: 'tid-1' });
  assert.equal(r.status, 200, r.text);
  assert.equal(sql(srv, "SELECT issuer FROM oauth_links WHERE subject = 'ms-1'"), ms('tid-1'));
});

test('discovery is cached; a suspended tenant and an invited member are refused at the callback', async () => {
  const d0 = fake.counts.discovery;
  for (let i = 0; i < 3; i++) await start('fake');
  assert.equal(fake.counts.discovery, d0, 'served from the cache');
  // the state's tenant is checked again at the callback
  const { state, nonce } = await fakeStart();
  fake.state.token = () => ({ status: 200, body: { access_token: 'at', id_token: idToken(goodClaims(nonce)) } });
  sql(srv, "UPDATE tenants SET status = 'suspended' WHERE id = 'acme'");
  let r = await callback('fake', { code: 'c', state });
  sql(srv, "UPDATE tenants SET status = 'active' WHERE id = 'acme'");
  assert.equal(r.status, 403);
  assert.equal(r.json.message, 'Forbidden: Tenant is not active');
  // frank (fake-1) signed up earlier; an invited membership fails gate G1
  sql(srv, `UPDATE memberships SET status = 'invited' WHERE tenant_id = 'acme' AND identity_id = (SELECT identity_id FROM oauth_links WHERE subject = 'fake-1')`);
  r = await fakeCallback((c) => idToken(c));
  sql(srv, `UPDATE memberships SET status = 'active' WHERE tenant_id = 'acme' AND identity_id = (SELECT identity_id FROM oauth_links WHERE subject = 'fake-1')`);
  assert.equal(r.status, 403);
  assert.equal(r.json.message, 'Forbidden: Account is not active');
  r = await fakeCallback((c) => idToken(c));
  assert.equal(r.status, 200);
});

test('a linked identity without a membership joins when sign-up is allowed', async () => {
  // erin signed up in beta through the global corp provider; now she comes to acme
  const f = await fullFlow('corp', 'erin');
  const s = await client(srv, 'acme').oauthCallback('corp', f.code, f.state);
  assert.ok(s.sessionToken);
  assert.equal(sql(srv, `SELECT COUNT(*) FROM memberships WHERE identity_id = ${identityWhere('erin@idp.test')}`), '2');
  // the global session is not confined: both tenants are listed
  assert.equal((await client(srv, 'acme').sessionTenants(s.sessionToken)).tenants.length, 2);
});

test('without OAUTH_ALLOW_HTTP an http issuer is refused', async () => {
  const srv2 = await startServer();
  try {
    mkTenant(srv2, 'acme');
    sql(srv2, `INSERT INTO kv_store (tenant_id, group_key, key, value, encrypted, updated_at) VALUES ('acme', 'oauth', 'fake',
      '${JSON.stringify({ clientId: 'cid', clientSecret: 's3cr3t', redirectUrl: APP, issuer: fake.base })}', 0, 0)`);
    const d0 = fake.counts.discovery;
    const r = await fetch(`${srv2.baseUrl}/oauth/fake?tenant=acme`, { redirect: 'manual' });
    assert.equal(r.status, 502);
    assert.equal((await r.json()).message, 'Bad gateway: Could not reach the provider');
    assert.equal(fake.counts.discovery, d0, 'no request went out');
  } finally { await stopChecked(srv2); }
});

test('configured endpoints need no discovery', async () => {
  await setKv(srv, 'beta', 'oauth', 'manual', { clientId: 'cid', clientSecret: 's3cr3t', redirectUrl: APP, issuer: 'http://127.0.0.1:9',
    authorizationEndpoint: `${fake.base}/authorize`, tokenEndpoint: `${fake.base}/token`, jwksUri: `${fake.base}/jwks`, allowSignup: true });
  const loc = await start('manual', { tenant: 'beta' });
  assert.equal(`${loc.origin}${loc.pathname}`, `${fake.base}/authorize`);
  const nonce = loc.searchParams.get('nonce');
  fake.state.token = () => ({ status: 200, body: { access_token: 'at', id_token: idToken({ iss: 'http://127.0.0.1:9', aud: 'cid', sub: 'manual-1', nonce, exp: now() + 60, iat: now() }) } });
  const r = await callback('manual', { code: 'c', state: loc.searchParams.get('state') });
  assert.equal(r.status, 200, r.text);
});
