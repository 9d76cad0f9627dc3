// The admin gate (API.md 1.14): every /admin/* route needs a session of the
// X-Tenant-ID tenant whose member the tenant's own documents allow the
// route's action on service:authrs; narrower grants; ADMIN_AUTH=off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, raw } from './harness.mjs';
import { adminTenant, adminRaw, fails } from './admin_support.mjs';

const PW = 'Correct-Horse-9';
const U = '00000000-0000-4000-8000-000000000001';
// Every admin route with a body that passes the shape checks (steps 1-5).
const ROUTES = [
  ['POST', '/admin/users', 'createUser', { username: 'x' }],
  ['GET', '/admin/users', 'listUsers'],
  ['GET', `/admin/users/${U}/roles`, 'listUserRoles'],
  ['POST', `/admin/users/${U}/roles`, 'assignRole', { roleId: U }],
  ['DELETE', `/admin/users/${U}/roles/${U}`, 'removeRole'],
  ['GET', `/admin/users/${U}/groups`, 'listUserGroups'],
  ['POST', `/admin/users/${U}/archive`, 'archiveUser'],
  ['POST', `/admin/users/${U}/reset-password`, 'resetUserPassword', { newPassword: 'a', retypePassword: 'a' }],
  ['PATCH', `/admin/users/${U}/access-validity`, 'setAccessValidity', { accessValidUntil: null }],
  ['POST', `/admin/users/${U}/mfa/reset`, 'resetUserMfa'],
  ['POST', '/admin/roles', 'createRole', { name: 'r' }],
  ['GET', '/admin/roles', 'listRoles'],
  ['DELETE', `/admin/roles/${U}`, 'deleteRole'],
  ['PUT', `/admin/roles/${U}/parent`, 'setRoleParent', { parentRoleId: null }],
  ['GET', `/admin/roles/${U}/hierarchy`, 'getRoleHierarchy'],
  ['POST', `/admin/roles/${U}/permissions`, 'attachPermissionToRole', { permissionId: U }],
  ['GET', `/admin/roles/${U}/permissions`, 'listRolePermissions'],
  ['DELETE', `/admin/roles/${U}/permissions/${U}`, 'detachPermissionFromRole'],
  ['POST', '/admin/groups', 'createGroup', { name: 'g' }],
  ['GET', '/admin/groups', 'listGroups'],
  ['GET', `/admin/groups/${U}`, 'getGroup'],
  ['DELETE', `/admin/groups/${U}`, 'deleteGroup'],
  ['POST', `/admin/groups/${U}/users`, 'addUserToGroup', { userId: U }],
  ['GET', `/admin/groups/${U}/users`, 'listGroupMembers'],
  ['DELETE', `/admin/groups/${U}/users/${U}`, 'removeUserFromGroup'],
  ['POST', `/admin/groups/${U}/roles`, 'assignRoleToGroup', { roleId: U }],
  ['GET', `/admin/groups/${U}/roles`, 'listGroupRoles'],
  ['DELETE', `/admin/groups/${U}/roles/${U}`, 'removeRoleFromGroup'],
  ['POST', '/admin/permissions', 'createPermission', { name: 'p', document: { version: '1', statements: [] } }],
  ['GET', '/admin/permissions', 'listPermissions'],
  ['POST', '/admin/permissions/check', 'checkPermission', { userId: U, resource: 'service:x' }],
  ['GET', `/admin/permissions/${U}`, 'getPermission'],
  ['DELETE', `/admin/permissions/${U}`, 'deletePermission'],
  ['POST', '/admin/packages/sync', 'syncPackage', { packageId: 'p', tables: [] }],
  ['GET', '/admin/packages/actions', 'listPackageActions'],
  ['GET', '/admin/kv_store', 'listKvKeys'],
  ['GET', '/admin/kv_store/g/k', 'getKvValue'],
  ['PUT', '/admin/kv_store/g/k', 'setKvValue', { value: 'v' }],
  ['DELETE', '/admin/kv_store/g/k', 'deleteKvValue'],
];

let srv, a, member;
before(async () => {
  srv = await startServer();
  a = await adminTenant(srv, 'acme');
  await a.c.createUser(a.token, { email: 'm@acme.io', password: PW, retypePassword: PW });
  const s = await a.c.loginEmailPassword('m@acme.io', PW);
  member = { ...a, token: s.sessionToken };
});
after(async () => { await srv?.stop(); });

test('a member without a grant gets 403 on every admin route', async () => {
  assert.equal(ROUTES.length, 39);
  for (const [method, path, op, body] of ROUTES) {
    const r = await adminRaw(srv, member, method, path, body);
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.deepEqual(r.json, { error: 'forbidden', message: `Forbidden: Not allowed to perform authrs:${op}` });
  }
});

test('the admin passes the gate on every route (the handler answers)', async () => {
  for (const [method, path, , body] of ROUTES) {
    const r = await adminRaw(srv, a, method, path, body);
    assert.notEqual(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.notEqual(r.status, 401, `${method} ${path}: ${r.text}`);
  }
});

test('401s and the other-tenant 403 come first, in order', async () => {
  let r = await raw(srv, 'GET', '/admin/roles', { headers: { 'X-Tenant-ID': 'acme' } });
  assert.deepEqual(r.json, { error: 'unauthorized', message: 'Unauthorized: Missing Authorization header' });
  r = await raw(srv, 'GET', '/admin/roles', { headers: { 'X-Tenant-ID': 'acme', Authorization: 'Basic x' } });
  assert.equal(r.json.message, 'Unauthorized: Invalid Authorization header');
  r = await raw(srv, 'GET', '/admin/roles', { headers: { 'X-Tenant-ID': 'acme', Authorization: `Bearer ${'x'.repeat(43)}` } });
  assert.equal(r.json.message, 'Unauthorized: Invalid or expired session');
  const b = await adminTenant(srv, 'beta');
  r = await adminRaw(srv, b, 'GET', '/admin/roles', undefined, { 'X-Tenant-ID': 'acme' });
  assert.equal(r.json.message, 'Forbidden: Session belongs to another tenant');
  r = await adminRaw(srv, member, 'GET', '/admin/roles?q=bad==');
  assert.equal(r.status, 422, 'RSQL (step 3) comes before the gate (step 6)');
});

test('narrower grants: a read-only admin role; grants and revocations apply at once', async () => {
  const ro = await a.c.createRole(a.token, 'Read Only Admin');
  const p = await a.c.createPermission(a.token, { name: 'authrs-read', document: { version: '1.0', statements: [
    { sid: 'Read', effect: 'Allow', principals: ['*'], actions: ['authrs:list*', 'authrs:get*'], resources: ['service:authrs'] }] } });
  await a.c.attachPermissionToRole(a.token, ro.id, p.id);
  const users = (await a.c.listUsers(a.token, { q: 'email==m@acme.io' })).users;
  await a.c.assignRole(a.token, users[0].id, ro.id);
  const m = client(srv, 'acme');
  assert.ok((await m.listRoles(member.token)).roles.length > 0);
  assert.ok(Array.isArray(await m.listKvKeys(member.token)));
  await fails(m.createRole(member.token, 'Nope'), 403, 'Forbidden: Not allowed to perform authrs:createRole');
  await a.c.removeRole(a.token, users[0].id, ro.id);
  await fails(m.listRoles(member.token), 403, 'Forbidden: Not allowed to perform authrs:listRoles');
  // a Deny statement beats the Admin grant
  const deny = await a.c.createPermission(a.token, { name: 'no-kv', document: { version: '1.0', statements: [
    { sid: 'NoKv', effect: 'Deny', principals: [`user:${a.email}`], actions: ['authrs:listKv*', 'authrs:setKv*'], resources: ['service:authrs'] }] } });
  const admin = (await a.c.listRoles(a.token, { q: 'uid==admin' })).roles[0];
  await a.c.attachPermissionToRole(a.token, admin.id, deny.id);
  await fails(a.c.listKvKeys(a.token), 403, 'Forbidden: Not allowed to perform authrs:listKvKeys');
  assert.ok((await a.c.listRoles(a.token)).roles.length);
  await a.c.deletePermission(a.token, deny.id);
  assert.ok(Array.isArray(await a.c.listKvKeys(a.token)));
});

test('ADMIN_AUTH=off: only X-Tenant-ID, a warning at start', async () => {
  const open = await startServer({ env: { ADMIN_AUTH: 'off' } });
  try {
    assert.equal(open.cli(['tenant', 'create', 'free']).code, 0);
    const r = await raw(open, 'POST', '/admin/roles', { headers: { 'X-Tenant-ID': 'free', Authorization: 'garbage' }, body: { name: 'Open' } });
    assert.equal(r.status, 201);
    assert.equal((await raw(open, 'GET', '/admin/roles', { headers: { 'X-Tenant-ID': 'free' } })).json.roles.length, 2);
    assert.equal((await raw(open, 'GET', '/admin/roles', {})).status, 400);
    assert.match(open.logs(), /unauthenticated/);
  } finally {
    await open.stop();
  }
});
