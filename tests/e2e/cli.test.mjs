// cli.test.mjs - the operator CLI of API.md 5.1: exit codes, idempotent tenant create.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, startServer, client, raw } from './harness.mjs';

let dir;
const run = (args, env = {}) => {
  const r = spawnSync(BIN, args, {
    cwd: dir, encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: `sqlite:${dir}/cli.db`, ARGON2_M_KIB: '8192', ARGON2_T: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'authrs-cli-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

test('version and help', () => {
  const v = run(['version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^authrs \d+\.\d+\.\d+\n$/);
  assert.equal(run(['help']).code, 0);
  assert.equal(run(['--help']).code, 0);
});

test('usage errors exit 2', () => {
  assert.equal(run([]).code, 2);
  assert.equal(run(['frobnicate']).code, 2);
  assert.equal(run(['tenant']).code, 2);
  assert.equal(run(['tenant', 'create']).code, 2);
  assert.equal(run(['tenant', 'create', 'Bad-Id']).code, 2);
  assert.equal(run(['tenant', 'create', 'a'.repeat(64)]).code, 2);
  assert.equal(run(['tenant', 'create', 'ok_id', '--bogus', 'x']).code, 2);
  assert.equal(run(['tenant', 'create', 'ok_id', '--admin-email', 'not-an-email']).code, 2);
});

test('invalid configuration exits 3 naming the variable', () => {
  for (const [k, v] of [['SERVER_PORT', 'abc'], ['LOG_LEVEL', 'loud'], ['BODY_LIMIT_BYTES', '10'],
    ['DEFAULT_SESSION_TTL_SECS', '0'], ['RATE_LIMIT_NOPE', '1/1'], ['RATE_LIMIT_LOGIN_IP', '5'],
    ['KV_STORE_ENCRYPTION_KEY', 'short'], ['DATABASE_URL', 'mysql://x'], ['ADMIN_AUTH', 'maybe']]) {
    const r = run(['migrate'], { [k]: v });
    assert.equal(r.code, 3, `${k}=${v}`);
    assert.match(r.stderr, new RegExp(k.replace('NOPE', 'NOPE')), `${k} named`);
  }
});

test('migrate applies the schema once', () => {
  assert.equal(run(['migrate']).code, 0);
  assert.equal(run(['migrate']).code, 0);
});

test('tenant create is idempotent and list prints tenants', () => {
  const a = run(['tenant', 'create', 'acme_corp', '--admin-email', 'Boss@Acme.io', '--admin-password', 'Sturdy-Pass-42']);
  assert.equal(a.code, 0, a.stderr);
  const b = run(['tenant', 'create', 'acme_corp', '--admin-email', 'boss@acme.io', '--admin-password', 'Other-Pass-99']);
  assert.equal(b.code, 0, b.stderr);
  const l = run(['tenant', 'list']);
  assert.equal(l.code, 0);
  const lines = l.stdout.trim().split('\n').filter((x) => x.startsWith('acme_corp\t'));
  assert.equal(lines.length, 1);
  const [id, name, status, createdAt] = lines[0].split('\t');
  assert.equal(id, 'acme_corp');
  assert.equal(name, 'acme corp');
  assert.equal(status, 'active');
  assert.match(createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  // --name renames; JSON listing
  assert.equal(run(['tenant', 'create', 'acme_corp', '--name', 'Acme Corp']).code, 0);
  const j = JSON.parse(run(['tenant', 'list', '--json']).stdout);
  const t = j.find((x) => x.id === 'acme_corp');
  assert.deepEqual(Object.keys(t), ['id', 'name', 'status', 'createdAt']);
  assert.equal(t.name, 'Acme Corp');
  // a second tenant may not take the same name
  const dup = run(['tenant', 'create', 'other', '--name', 'Acme Corp']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /A tenant with this name already exists/);
});

test('a weak admin password is refused by the default policy (exit 1)', () => {
  const r = run(['tenant', 'create', 'weak_co', '--admin-email', 'w@weak.io', '--admin-password', 'password']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Password is too common/);
});

test('a random admin password is printed once when none is given', () => {
  const r = run(['tenant', 'create', 'rand_co', '--admin-email', 'r@rand.io'], { AUTHRS_ADMIN_PASSWORD: '' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /password: \S{24}/);
  const again = run(['tenant', 'create', 'rand_co', '--admin-email', 'r@rand.io'], { AUTHRS_ADMIN_PASSWORD: '' });
  assert.doesNotMatch(again.stdout, /password:/);
});

test('set-status suspends a tenant and the running server sees it', async () => {
  const srv = await startServer();
  try {
    assert.equal(srv.cli(['tenant', 'create', 'shop']).code, 0);
    const ok = await raw(srv, 'POST', '/forgot-password', { headers: { 'X-Tenant-ID': 'shop' }, body: { email: 'x@y.z' } });
    assert.notEqual(ok.status, 403);
    assert.equal(srv.cli(['tenant', 'set-status', 'shop', 'suspended']).code, 0);
    const r = await raw(srv, 'POST', '/forgot-password', { headers: { 'X-Tenant-ID': 'shop' }, body: { email: 'x@y.z' } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { error: 'forbidden', message: 'Forbidden: Tenant is not active' });
    assert.equal(srv.cli(['tenant', 'set-status', 'nope', 'active']).code, 1);
    assert.equal(srv.cli(['tenant', 'set-status', 'shop', 'weird']).code, 2);
    // the client sees the same
    await assert.rejects(client(srv, 'shop').forgotPassword('x@y.z'), (e) => e.status === 403);
  } finally {
    await srv.stop();
  }
});

test('SIGTERM stops the server cleanly with exit 0', async () => {
  const srv = await startServer();
  const r = await srv.stop();
  assert.equal(r.code, 0);
});

test('user disable revokes sessions at once on a running server; enable restores logins', async () => {
  const srv = await startServer();
  try {
    assert.equal(srv.cli(['tenant', 'create', 'acme', '--admin-email', 'ops@acme.io', '--admin-password', 'Sturdy-Pass-42']).code, 0);
    const c = client(srv, 'acme');
    const login = await c.loginEmailPassword('ops@acme.io', 'Sturdy-Pass-42');
    assert.ok(login.sessionToken);
    assert.equal((await c.validateSession(login.sessionToken)).tenantId, 'acme');
    const d = srv.cli(['user', 'disable', '--email', 'OPS@acme.io']);
    assert.equal(d.code, 0, d.stderr);
    await new Promise((r) => setTimeout(r, 1000)); // API.md 5.1: seen within 1 second
    await assert.rejects(c.validateSession(login.sessionToken), (e) => e.status === 401);
    await assert.rejects(c.loginEmailPassword('ops@acme.io', 'Sturdy-Pass-42'),
      (e) => e.status === 403 && e.body.message === 'Forbidden: Account is not active');
    assert.equal(srv.cli(['user', 'enable', '--email', 'ops@acme.io']).code, 0);
    const again = await c.loginEmailPassword('ops@acme.io', 'Sturdy-Pass-42');
    assert.ok(again.sessionToken);
    assert.equal(srv.cli(['user', 'disable', '--email', 'nobody@acme.io']).code, 1);
    assert.equal(srv.cli(['user', 'disable']).code, 2);
    assert.equal(srv.cli(['user', 'frobnicate', '--email', 'x@y.z']).code, 2);
  } finally {
    await srv.stop();
  }
});

test('user create applies the admin rules, assigns roles, prints the membership id', async () => {
  const srv = await startServer();
  try {
    assert.equal(srv.cli(['tenant', 'create', 'acme', '--admin-email', 'boss@acme.io', '--admin-password', 'Sturdy-Pass-42']).code, 0);
    const r = srv.cli(['user', 'create', '--tenant', 'acme', '--email', 'new@acme.io', '--first-name', 'New',
      '--role', 'admin', '--force-password-change'], { env: { AUTHRS_USER_PASSWORD: 'Another-Pass-77' } });
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    const c = client(srv, 'acme');
    const first = await c.loginEmailPassword('new@acme.io', 'Another-Pass-77');
    assert.equal(first.passwordChangeRequired, true);
    const s = await c.forceChangePassword(first.changeToken, 'Changed-Pass-88', 'Changed-Pass-88');
    const v = await c.validateSession(s.sessionToken);
    assert.equal(v.userId, id);
    assert.deepEqual(v.roles, ['admin']);
    // the same rules as POST /admin/users
    const dup = srv.cli(['user', 'create', '--tenant', 'acme', '--email', 'NEW@acme.io']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /An account with this email already exists/);
    const weak = srv.cli(['user', 'create', '--tenant', 'acme', '--username', 'weak', '--password', 'password']);
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /Password is too common/);
    assert.equal(srv.cli(['user', 'create', '--tenant', 'acme', '--username', 'r', '--role', 'nope']).code, 1);
    assert.equal(srv.cli(['user', 'create', '--tenant', 'acme', '--username', 'r']).code, 0, 'nothing was created');
    assert.equal(srv.cli(['user', 'create', '--tenant', 'ghost', '--username', 'g']).code, 1);
    assert.equal(srv.cli(['user', 'create', '--username', 'x']).code, 2);
    assert.equal(srv.cli(['user', 'create', '--tenant', 'acme']).code, 2);
    assert.equal(srv.cli(['user', 'create', '--tenant', 'acme', '--mobile', '98765']).code, 2);
  } finally {
    await srv.stop();
  }
});
