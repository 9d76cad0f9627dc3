// Builder routes (API.md 3.17): GET/POST /tenants, PATCH /tenants/{tenantId},
// with the builder checks of BUILDER_TENANT_ID and ALLOWED_ROLES.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, raw } from './harness.mjs';
import { adminTenant, fails } from './admin_support.mjs';

let srv, b;
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const post = (body, token = b.token) => raw(srv, 'POST', '/tenants', { headers: { Authorization: `Bearer ${token}` }, body });
const patch = (id, body, token = b.token) => raw(srv, 'PATCH', `/tenants/${id}`, { headers: { Authorization: `Bearer ${token}` }, body });

before(async () => {
  srv = await startServer({ env: { BUILDER_TENANT_ID: 'builder', ALLOWED_ROLES: ' ops , admin ,' } });
  b = await adminTenant(srv, 'builder');
});
after(async () => { await srv?.stop(); });

test('create: defaults, admin account, conflicts, validation', async () => {
  let r = await post({ id: 'new_co' });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.json), ['id', 'name', 'status', 'createdAt']);
  assert.equal(r.json.name, 'new co');
  assert.equal(r.json.status, 'active');
  assert.match(r.json.createdAt, TS);
  r = await post({ id: 'with_admin', name: ' With Admin ', adminEmail: 'boss@with.io', adminPassword: 'Sturdy-Pass-42' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.name, 'With Admin');
  const c = client(srv, 'with_admin');
  const s = await c.loginEmailPassword('boss@with.io', 'Sturdy-Pass-42');
  assert.deepEqual((await c.validateSession(s.sessionToken)).roles, ['admin']);
  assert.ok((await c.listRoles(s.sessionToken)).roles.some((x) => x.uid === 'admin'), 'bootstrap grant works');
  const m = async (body, status, message) => { const x = await post(body); assert.equal(x.status, status, x.text); assert.equal(x.json.message, message); };
  await m({ id: 'new_co' }, 409, 'Conflict: Tenant already exists');
  await m({ id: 'other', name: 'new co' }, 409, 'Conflict: A tenant with this name already exists');
  await m({ id: 'Bad-Id' }, 400, 'Bad request: Tenant id must be lower snake_case (e.g. my_tenant), at most 63 characters');
  await m({ id: 'x'.repeat(64) }, 400, 'Bad request: Tenant id must be lower snake_case (e.g. my_tenant), at most 63 characters');
  await m({ id: 'n1', name: '  ' }, 400, 'Bad request: Tenant name is required');
  await m({ id: 'n2', name: 'n'.repeat(256) }, 400, 'Bad request: Tenant name must be at most 255 characters');
  await m({ id: 'n3', adminEmail: 'boss@n3.io' }, 400, 'Bad request: adminPassword is required with adminEmail');
  await m({ id: 'n4', adminEmail: 'nope' }, 400, 'Bad request: Email is invalid');
  await m({ id: 'n5', adminEmail: 'x@n5.io', adminPassword: 'short' }, 400, 'Bad request: Password must be at least 8 characters');
  assert.equal((await post({ id: 5 })).status, 422);
});

test('list: every tenant by name; the client method', async () => {
  const list = (await client(srv, 'ignored').listTenants(b.token)).tenants;
  const names = list.map((t) => t.name);
  assert.deepEqual(names, [...names].sort());
  assert.ok(list.some((t) => t.id === 'builder'));
});

test('patch: suspend and reactivate; suspended tenants refuse requests and sessions', async () => {
  const t = await adminTenant(srv, 'victim');
  let r = await patch('victim', { status: 'suspended' });
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'suspended');
  await fails(t.c.validateSession(t.token), 401);
  const x = await raw(srv, 'GET', '/admin/roles', { headers: { 'X-Tenant-ID': 'victim', Authorization: `Bearer ${t.token}` } });
  assert.equal(x.json.message, 'Forbidden: Tenant is not active');
  r = await patch('victim', { status: 'active' });
  assert.equal(r.json.status, 'active');
  assert.ok((await client(srv, 'victim').loginEmailPassword(t.email, 'Sturdy-Pass-42')).sessionToken);
  assert.equal((await patch('victim', { status: 'paused' })).json.message, 'Bad request: status must be active or suspended');
  assert.equal((await patch('ghost', { status: 'active' })).json.message, 'Not found: Tenant not found');
  assert.equal((await patch('builder', { status: 'suspended' })).json.message, 'Bad request: The builder tenant cannot be suspended');
  assert.equal((await patch('Bad', { status: 'active' })).status, 400);
});

test('builder checks', async () => {
  const other = await adminTenant(srv, 'notbuilder');
  assert.equal((await post({ id: 'zz' }, other.token)).json.message, 'Forbidden: Access restricted to builder tenant');
  const c = client(srv, 'builder');
  await c.signup('Plain', 'Member', 'plain@b.io', 'Correct-Horse-9', 'Correct-Horse-9');
  const s = await c.loginEmailPassword('plain@b.io', 'Correct-Horse-9');
  assert.equal((await post({ id: 'zz' }, s.sessionToken)).json.message, 'Forbidden: Requires one of the following Builder roles: ops, admin');
  assert.equal((await raw(srv, 'GET', '/tenants', {})).status, 401);
  const none = await startServer({ env: { BUILDER_TENANT_ID: 'builder' } });
  try {
    const nb = await adminTenant(none, 'builder');
    const r = await raw(none, 'GET', '/tenants', { headers: { Authorization: `Bearer ${nb.token}` } });
    assert.equal(r.json.message, 'Forbidden: No builder roles are configured');
  } finally {
    await none.stop();
  }
});
