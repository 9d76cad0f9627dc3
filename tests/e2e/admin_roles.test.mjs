// Roles, hierarchy, groups and the user-role / group-role / group-member
// links (API.md 3.11-3.13), through the real client with an admin session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './harness.mjs';
import { adminTenant, adminRaw, fails } from './admin_support.mjs';

let srv, a;
const NOPE = '00000000-0000-4000-8000-000000000000';

before(async () => {
  srv = await startServer();
  a = await adminTenant(srv, 'acme');
});
after(async () => { await srv?.stop(); });

test('create roles: slug uid, trimming, conflicts, parent, bad names', async () => {
  const r = await a.c.createRole(a.token, '  Super  Admin! ');
  assert.deepEqual(Object.keys(r), ['id', 'name', 'uid', 'parentRoleId']);
  assert.equal(r.name, 'Super  Admin!');
  assert.equal(r.uid, 'super_admin');
  assert.equal(r.parentRoleId, null);
  assert.equal((await a.c.createRole(a.token, 'R&D-Team 2')).uid, 'r_d_team_2');
  assert.equal((await a.c.createRole(a.token, 'Équipe Ventes')).uid, 'équipe_ventes');
  await fails(a.c.createRole(a.token, 'super admin'), 409, "Conflict: A role with uid 'super_admin' already exists for this tenant");
  await fails(a.c.createRole(a.token, '   '), 400, 'Bad request: Role name is required');
  await fails(a.c.createRole(a.token, '!!!'), 400, 'Bad request: Role name must contain a letter or digit');
  await fails(a.c.createRole(a.token, 'x'.repeat(256)), 400, 'Bad request: Role name must be at most 255 characters');
  await fails(a.c.createRole(a.token, 'child', NOPE), 404, 'Not found: Parent role not found in tenant');
  const child = await a.c.createRole(a.token, 'Child Of Super', r.id);
  assert.equal(child.parentRoleId, r.id);
});

test('hierarchy: ancestors root first, cycles refused, delete makes children roots', async () => {
  const top = await a.c.createRole(a.token, 'H Top');
  const mid = await a.c.createRole(a.token, 'H Mid', top.id);
  const low = await a.c.createRole(a.token, 'H Low', mid.id);
  const h = await a.c.getRoleHierarchy(a.token, low.id);
  assert.deepEqual(h.ancestors.map((x) => x.uid), ['h_top', 'h_mid']);
  assert.deepEqual((await a.c.getRoleHierarchy(a.token, top.id)).ancestors, []);
  await fails(a.c.setRoleParent(a.token, top.id, low.id), 400, 'Bad request: Setting this parent would create a role hierarchy cycle');
  await fails(a.c.setRoleParent(a.token, top.id, top.id), 400, 'Bad request: A role cannot be its own parent');
  await fails(a.c.setRoleParent(a.token, top.id, NOPE), 404, 'Not found: Parent role not found in tenant');
  await fails(a.c.setRoleParent(a.token, NOPE, top.id), 404, 'Not found: Role not found');
  assert.deepEqual(await a.c.setRoleParent(a.token, low.id, null), { message: 'Role parent updated.' });
  assert.deepEqual((await a.c.getRoleHierarchy(a.token, low.id)).ancestors, []);
  await a.c.setRoleParent(a.token, low.id, mid.id);
  const del = await adminRaw(srv, a, 'DELETE', `/admin/roles/${mid.id}`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.json, { message: 'Role deleted' });
  assert.deepEqual((await a.c.getRoleHierarchy(a.token, low.id)).ancestors, []);
  assert.equal((await adminRaw(srv, a, 'DELETE', `/admin/roles/${mid.id}`)).status, 404);
});

test('role lists: RSQL filters, sort, paging, errors', async () => {
  const all = (await a.c.listRoles(a.token)).roles;
  const names = all.map((r) => r.name);
  assert.deepEqual(names, [...names].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1)));
  const h = (await a.c.listRoles(a.token, { q: 'uid==h_*' })).roles.map((r) => r.uid);
  assert.deepEqual(h.sort(), ['h_low', 'h_top']);
  const desc = (await a.c.listRoles(a.token, { q: 'uid=starts=h_', sort: '-uid' })).roles.map((r) => r.uid);
  assert.deepEqual(desc, ['h_top', 'h_low']);
  assert.equal((await a.c.listRoles(a.token, { limit: 1 })).roles.length, 1);
  assert.equal((await a.c.listRoles(a.token, { limit: 0 })).roles.length, 0);
  assert.deepEqual((await a.c.listRoles(a.token, { offset: 1, limit: 2 })).roles, all.slice(1, 3));
  const roots = (await a.c.listRoles(a.token, { q: 'parentRoleId=null=true' })).roles;
  assert.ok(roots.every((r) => r.parentRoleId === null) && roots.length > 0);
  const bad = await fails(a.c.listRoles(a.token, { q: 'name=gt=x' }), 422, "Validation error: operator =gt= is not valid for Text field 'name'");
  assert.equal(bad.error, 'invalid_filter');
  await fails(a.c.listRoles(a.token, { q: 'nope==1' }), 422, "Validation error: unknown filter field 'nope'");
  await fails(a.c.listRoles(a.token, { sort: 'nope' }), 422, "Validation error: sort field 'nope' does not exist");
  await fails(a.c.listRoles(a.token, { q: 'id==zz' }), 422, "Validation error: invalid value 'zz' for Uuid field 'id'");
  const many = `name=in=(${Array.from({ length: 70 }, (_, i) => `n${i}`).join(',')})`;
  assert.deepEqual((await adminRaw(srv, a, 'GET', `/admin/roles?q=${encodeURIComponent('name=in=(H Top,H Low)')}`)).json.roles.length, 2);
  assert.equal((await adminRaw(srv, a, 'GET', `/admin/roles?q=${encodeURIComponent(many)}`)).status, 422);
});

test('groups: create, get, list, delete, members and roles', async () => {
  const g = await a.c.createGroup(a.token, { name: ' Auditors  EU ', description: '  reads  ' });
  assert.deepEqual(g, { id: g.id, name: 'Auditors  EU', uid: 'auditors_eu', description: 'reads' });
  assert.equal((await a.c.createGroup(a.token, { name: 'Blank Desc', description: '   ' })).description, null);
  await fails(a.c.createGroup(a.token, { name: 'auditors-eu' }), 409, "Conflict: A group with uid 'auditors_eu' already exists for this tenant");
  await fails(a.c.createGroup(a.token, { name: ' ' }), 400, 'Bad request: Group name is required');
  await fails(a.c.createGroup(a.token, { name: '%%' }), 400, 'Bad request: Group name must contain a letter or digit');
  await fails(a.c.createGroup(a.token, { name: 'Long', description: 'd'.repeat(1025) }), 400, 'Bad request: Group description must be at most 1024 characters');
  assert.deepEqual(await a.c.getGroup(a.token, g.id), g);
  await fails(a.c.getGroup(a.token, NOPE), 404, 'Not found: Group not found');
  assert.deepEqual((await a.c.listGroups(a.token, { q: 'description==reads' })).groups, [g]);

  const u = await a.c.createUser(a.token, { email: 'member@acme.io', firstName: 'Mem' });
  const u2 = await a.c.createUser(a.token, { username: 'second' });
  assert.deepEqual(await a.c.addUserToGroup(a.token, g.id, u.id), { message: 'User added to group' });
  await a.c.addUserToGroup(a.token, g.id, u.id); // idempotent
  await a.c.addUserToGroup(a.token, g.id, u2.id);
  await fails(a.c.addUserToGroup(a.token, g.id, NOPE), 404, 'Not found: User not found');
  await fails(a.c.addUserToGroup(a.token, NOPE, u.id), 404, 'Not found: Group not found');
  const members = (await a.c.listGroupMembers(a.token, g.id)).users;
  assert.deepEqual(members.map((m) => m.id), [u.id, u2.id]);
  assert.deepEqual(members[0], u);
  assert.deepEqual((await a.c.listGroupMembers(a.token, g.id, { q: 'username==second' })).users.map((m) => m.id), [u2.id]);
  assert.deepEqual((await a.c.listUserGroups(a.token, u.id)).groups, [g]);

  const role = await a.c.createRole(a.token, 'Group Role');
  assert.deepEqual(await a.c.assignRoleToGroup(a.token, g.id, role.id), { message: 'Role assigned to group' });
  await a.c.assignRoleToGroup(a.token, g.id, role.id);
  await fails(a.c.assignRoleToGroup(a.token, g.id, NOPE), 404, 'Not found: Role not found');
  assert.deepEqual((await a.c.listGroupRoles(a.token, g.id)).roles, [role]);
  const v = await a.c.validateSession(a.token);
  assert.ok(v.roles.includes('admin'));
  await fails(a.c.removeRoleFromGroup(a.token, g.id, (await a.c.createRole(a.token, 'Unassigned')).id), 404, 'Not found: Role is not assigned to this group');
  assert.deepEqual(await a.c.removeRoleFromGroup(a.token, g.id, role.id), { message: 'Role removed from group' });
  assert.deepEqual(await a.c.removeUserFromGroup(a.token, g.id, u2.id), { message: 'User removed from group' });
  await fails(a.c.removeUserFromGroup(a.token, g.id, u2.id), 404, 'Not found: User is not a member of this group');
  assert.deepEqual(await a.c.deleteGroup(a.token, g.id), { message: 'Group deleted' });
  await fails(a.c.getGroup(a.token, g.id), 404);
  assert.deepEqual((await a.c.listUserGroups(a.token, u.id)).groups, []);
});

test('user roles: assign idempotently, list direct roles by name, remove, 404s', async () => {
  const u = await a.c.createUser(a.token, { username: 'roleuser' });
  const r1 = await a.c.createRole(a.token, 'Zeta Role');
  const r2 = await a.c.createRole(a.token, 'Alpha Role', r1.id);
  assert.deepEqual(await a.c.assignRole(a.token, u.id, r1.id), { message: 'Role assigned to user' });
  await a.c.assignRole(a.token, u.id, r1.id);
  await a.c.assignRole(a.token, u.id, r2.id);
  assert.deepEqual((await a.c.listUserRoles(a.token, u.id)).roles, [r2, r1]);
  await fails(a.c.assignRole(a.token, NOPE, r1.id), 404, 'Not found: User not found');
  await fails(a.c.assignRole(a.token, u.id, NOPE), 404, 'Not found: Role not found');
  assert.deepEqual(await a.c.removeRole(a.token, u.id, r2.id), { message: 'Role removed from user' });
  await fails(a.c.removeRole(a.token, u.id, r2.id), 404, 'Not found: User role assignment not found');
  await fails(a.c.removeRole(a.token, u.id, NOPE), 404, 'Not found: Role not found');
  await fails(a.c.listUserRoles(a.token, NOPE), 404, 'Not found: User not found');
});

test('tenant scoping: another tenant\'s ids are unknown here', async () => {
  const b = await adminTenant(srv, 'other');
  const role = await b.c.createRole(b.token, 'Theirs');
  await fails(a.c.getRoleHierarchy(a.token, role.id), 404, 'Not found: Role not found');
  await fails(a.c.listUserRoles(a.token, b.userId), 404, 'Not found: User not found');
  await fails(a.c.assignRole(a.token, a.userId, role.id), 404, 'Not found: Role not found');
  await fails(a.c.listRoles(b.token), 403, 'Forbidden: Session belongs to another tenant');
});
