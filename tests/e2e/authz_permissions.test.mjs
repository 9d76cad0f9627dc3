// Permissions and checks (API.md 3.14, 3.15): documents, validation,
// principal resolution and rendering, overwrite, Cedar text, attach/detach,
// POST /admin/permissions/check with and without action and with explain,
// the package registry, and changes seen on the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './harness.mjs';
import { adminTenant, adminRaw, fails } from './admin_support.mjs';

let srv, a, editor, auditors, jane;
const NOPE = '00000000-0000-4000-8000-000000000000';
const doc = (statements) => ({ version: '1.0', statements });
const st = (o) => ({ effect: 'Allow', principals: ['*'], actions: ['*'], resources: ['*'], ...o });

before(async () => {
  srv = await startServer();
  a = await adminTenant(srv, 'acme');
  editor = await a.c.createRole(a.token, 'Editor');
  auditors = await a.c.createGroup(a.token, { name: 'Auditors' });
  jane = await a.c.createUser(a.token, { email: 'Jane@Example.com', username: 'jane' });
});
after(async () => { await srv?.stop(); });

test('create: canonical form, resolved principals rendered by uid, defaults', async () => {
  const p = await a.c.createPermission(a.token, {
    name: '  read-materials ', description: 'reads',
    document: doc([
      { sid: 'EditorsRead', effect: 'allow', principals: ['role:Editor', 'group:auditors', 'user:jane@example.com'],
        actions: ['getMaterials', 'get*'], resources: ['service:core/package:mfg/table:materials'],
        conditions: [{ attribute: 'context.amount', operator: 'lte', value: 1000 }] },
      { effect: 'DENY', principals: [`user:${jane.id}`, 'user:jane', '*'], actions: ['delete*'], resources: ['*'] },
    ]),
  });
  assert.deepEqual(Object.keys(p), ['id', 'name', 'description', 'document']);
  assert.equal(p.name, 'read-materials');
  assert.deepEqual(p.document.statements[0].principals, ['role:editor', 'group:auditors', `user:${jane.id}`]);
  assert.equal(p.document.statements[0].effect, 'Allow');
  assert.equal(p.document.statements[1].sid, 'Statement2');
  assert.equal(p.document.statements[1].effect, 'Deny');
  assert.deepEqual(p.document.statements[1].conditions, []);
  assert.deepEqual(p.document.statements[1].principals, [`user:${jane.id}`, `user:${jane.id}`, '*']);
  assert.deepEqual(await a.c.getPermission(a.token, p.id), p);
  const listed = (await a.c.listPermissions(a.token, { q: 'name==read-*' })).permissions;
  assert.deepEqual(listed, [p]);
});

test('create: 409 and overwrite keeps id and role links', async () => {
  const p = await a.c.createPermission(a.token, { name: 'ow', document: doc([st({ sid: 'A' })]) });
  await a.c.attachPermissionToRole(a.token, editor.id, p.id);
  await fails(a.c.createPermission(a.token, { name: 'ow', document: doc([]) }), 409, 'Conflict: A permission with this name already exists');
  const q = await a.c.createPermission(a.token, { name: 'ow', description: 'new', document: doc([]), overwrite: true });
  assert.equal(q.id, p.id);
  assert.equal(q.description, 'new');
  assert.deepEqual(q.document.statements, []);
  assert.deepEqual((await a.c.listRolePermissions(a.token, editor.id)).permissions.map((x) => x.id), [p.id]);
});

test('create: validation messages (422 shape, 400 rules and principals)', async () => {
  const bad = async (document, status, message) => {
    const r = await adminRaw(srv, a, 'POST', '/admin/permissions', { name: 'bad', document });
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.message, message);
  };
  await bad(doc([st({ principals: 'x' })]), 422, "Validation error: field 'document.statements[0].principals' must be an array of strings");
  await bad(doc([st({ effect: 'maybe' })]), 400, 'Bad request: Invalid permission document: statements[0].effect: must be Allow or Deny');
  await bad(doc([st({ principals: ['role:ghost'] })]), 400, 'Bad request: Role not found: ghost');
  await bad(doc([st({ principals: ['user:nobody@x.io'] })]), 400, 'Bad request: User not found: nobody@x.io');
  await bad(doc([st({ principals: ['group:ghost'] })]), 400, 'Bad request: Group not found: ghost');
  await bad(doc([st({ principals: ['nocolon'] })]), 400, 'Bad request: Invalid principal format: nocolon');
  await bad(doc([st({ principals: ['team:x'] })]), 400, 'Bad request: Unknown principal prefix: team');
  const r = await adminRaw(srv, a, 'POST', '/admin/permissions', { name: '  ', document: doc([]) });
  assert.equal(r.json.message, 'Bad request: Permission name is required');
});

test('get as Cedar text; 404s; list sorted by name', async () => {
  const p = await a.c.createPermission(a.token, { name: 'cedar-one', document: doc([st({ sid: 'S', principals: ['role:editor'], actions: ['getMaterials', 'get*'], resources: ['service:core/package:mfg/table:materials'], conditions: [{ attribute: 'context.amount', operator: 'lte', value: 1000 }] })]) });
  await a.c.attachPermissionToRole(a.token, editor.id, p.id);
  const r = await adminRaw(srv, a, 'GET', `/admin/permissions/${p.id}?format=cedar`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; charset=utf-8/);
  assert.match(r.text, /@id\("cedar-one\/S\/0\/0"\)/);
  assert.match(r.text, /permit \(\s*principal in AuthRS::Role::"editor",/);
  assert.match(r.text, /when \{ principal in AuthRS::Role::"editor" \}/);
  assert.match(r.text, /context\.amount <= 1000/);
  assert.equal((await adminRaw(srv, a, 'GET', `/admin/permissions/${p.id}?format=xml`)).status, 400);
  await fails(a.c.getPermission(a.token, NOPE), 404, 'Not found: Permission not found');
  const names = (await a.c.listPermissions(a.token)).permissions.map((x) => x.name);
  assert.deepEqual(names, [...names].sort());
  assert.equal((await adminRaw(srv, a, 'GET', '/admin/permissions/check')).status, 405);
});

test('attach/detach and delete', async () => {
  const p = await a.c.createPermission(a.token, { name: 'attach-me', document: doc([]) });
  assert.deepEqual(await a.c.attachPermissionToRole(a.token, editor.id, p.id), { message: 'Permission attached to role' });
  await a.c.attachPermissionToRole(a.token, editor.id, p.id);
  await fails(a.c.attachPermissionToRole(a.token, editor.id, NOPE), 404, 'Not found: Permission not found');
  await fails(a.c.attachPermissionToRole(a.token, NOPE, p.id), 404, 'Not found: Role not found');
  assert.deepEqual(await a.c.detachPermissionFromRole(a.token, editor.id, p.id), { message: 'Permission detached from role' });
  await fails(a.c.detachPermissionFromRole(a.token, editor.id, p.id), 404, 'Not found: Permission-role assignment not found');
  await a.c.attachPermissionToRole(a.token, editor.id, p.id);
  assert.deepEqual(await a.c.deletePermission(a.token, p.id), { message: 'Permission deleted' });
  assert.ok(!(await a.c.listRolePermissions(a.token, editor.id)).permissions.some((x) => x.id === p.id));
  await fails(a.c.deletePermission(a.token, p.id), 404);
});

test('check with action: attachment, hierarchy, groups, conditions, deny wins, explain', async () => {
  const t = await adminTenant(srv, 'chk');
  const base = await t.c.createRole(t.token, 'Base');
  const mid = await t.c.createRole(t.token, 'Mid', base.id);
  const viaGroup = await t.c.createRole(t.token, 'Via Group');
  const g = await t.c.createGroup(t.token, { name: 'Team' });
  const u = await t.c.createUser(t.token, { email: 'u@chk.io', username: 'u' });
  const R = 'service:core/package:mfg/table:materials';
  const check = async (action, context, resource = R) =>
    (await t.c.checkPermission(t.token, u.id, resource, action, context)).allowed;

  const p = await t.c.createPermission(t.token, { name: 'base-read', document: doc([
    st({ sid: 'Read', principals: ['role:base'], actions: ['get*'], resources: ['service:core/package:mfg'],
      conditions: [{ attribute: 'context.amount', operator: 'lte', value: 1000 }] })]) });
  await t.c.attachPermissionToRole(t.token, base.id, p.id);
  assert.equal(await check('getMaterials', { amount: 5 }), false, 'no role yet');
  await t.c.assignRole(t.token, u.id, mid.id);
  assert.equal(await check('getMaterials', { amount: 5 }), true, 'inherits base through mid');
  assert.equal(await check('getMaterials', { amount: 5000 }), false, 'condition');
  assert.equal(await check('getMaterials', {}), false, 'missing attribute errors: not applicable');
  assert.equal(await check('postMaterials', { amount: 5 }), false);
  assert.equal(await check('getMaterials', { amount: 5 }, 'service:core'), false, 'scope wider than grant');
  assert.equal(await check('getMaterials', { amount: 5 }, 'service:core/package:other'), false);

  const deny = await t.c.createPermission(t.token, { name: 'team-deny', document: doc([
    st({ sid: 'NoMaterials', effect: 'Deny', principals: ['group:team'], actions: ['getMaterials'], resources: [R] })]) });
  await t.c.attachPermissionToRole(t.token, viaGroup.id, deny.id);
  await t.c.assignRoleToGroup(t.token, g.id, viaGroup.id);
  assert.equal(await check('getMaterials', { amount: 5 }), true, 'not in the group yet');
  await t.c.addUserToGroup(t.token, g.id, u.id);
  assert.equal(await check('getMaterials', { amount: 5 }), false, 'deny wins');
  const r = await adminRaw(srv, t, 'POST', '/admin/permissions/check', { userId: u.id, resource: R, action: 'getMaterials', context: { amount: 5 }, explain: true });
  assert.deepEqual(r.json, { resource: R, action: 'getMaterials', allowed: false, matched: [
    { permissionId: p.id, permission: 'base-read', sid: 'Read', effect: 'Allow' },
    { permissionId: deny.id, permission: 'team-deny', sid: 'NoMaterials', effect: 'Deny' }] });
  await t.c.removeUserFromGroup(t.token, g.id, u.id);
  assert.equal(await check('getMaterials', { amount: 5 }), true);
  // deleting the role drops it from documents: a later role with the same uid gets nothing
  assert.equal((await adminRaw(srv, t, 'DELETE', `/admin/roles/${base.id}`)).status, 200);
  const doc2 = await t.c.getPermission(t.token, p.id);
  assert.deepEqual(doc2.document.statements[0].principals, []);
  const again = await t.c.createRole(t.token, 'Base');
  await t.c.assignRole(t.token, u.id, again.id);
  await t.c.attachPermissionToRole(t.token, again.id, p.id);
  assert.equal(await check('getMaterials', { amount: 5 }), false);
});

test('check: input errors in order', async () => {
  const body = (o) => adminRaw(srv, a, 'POST', '/admin/permissions/check', { userId: jane.id, resource: 'service:x', ...o });
  assert.equal((await body({ userId: NOPE })).json.message, 'Not found: User not found');
  assert.equal((await body({ resource: '*' })).json.message, "Bad request: Invalid resource '*'");
  assert.equal((await body({ resource: 'table:a/service:b' })).json.message, "Bad request: Invalid resource 'table:a/service:b'");
  assert.equal((await body({ action: 'get*' })).json.message, "Bad request: Invalid action 'get*'");
  const ctxMsg = 'Bad request: context may contain only strings, integers, booleans, arrays and objects';
  assert.equal((await body({ action: 'a', context: { x: null } })).json.message, ctxMsg);
  assert.equal((await body({ action: 'a', context: { x: [1.5] } })).json.message, ctxMsg);
  assert.equal((await body({ action: 'a', context: [] })).status, 422);
  const ok = await body({ action: 'a', context: null });
  assert.deepEqual(ok.json, { resource: 'service:x', action: 'a', allowed: false });
});

test('packages: sync derivation, list, check without action', async () => {
  const t = await adminTenant(srv, 'pkg');
  const s = await t.c.syncPackage(t.token, { packageId: 'manufacturing_core', tables: ['materials', 'bom_headers', 'materials'], extensibleTables: ['materials'], customActions: ['approveBom'] });
  assert.deepEqual(s, { message: 'Package synced and Cedar schema rebuilt', packageId: 'manufacturing_core', tables: 3, extensibleTables: 1, customActions: 1 });
  await t.c.syncPackage(t.token, { packageId: 'a_pkg', tables: ['BOM_lines', '__x__y'], customActions: ['z', 'a'] });
  const list = (await t.c.listPackageActions(t.token)).packages;
  assert.deepEqual(list.map((p) => p.packageId), ['a_pkg', 'manufacturing_core']);
  assert.deepEqual(list[0].tables, ['BOM_lines', '__x__y']);
  assert.ok(list[0].actions.includes('getBOMLines') && list[0].actions.includes('deleteXY'));
  assert.equal(list[1].actions.length, 18);
  assert.deepEqual(list[1].tables, ['bom_headers', 'materials']);
  assert.ok(list[1].actions.includes('getExtensibleFieldsMaterials'));
  const err = async (body, msg) => {
    const r = await adminRaw(srv, t, 'POST', '/admin/packages/sync', { tables: [], ...body });
    assert.equal(r.json.message, msg);
  };
  await err({ packageId: '  ' }, 'Bad request: packageId is required');
  await err({ packageId: 'a b' }, 'Bad request: Invalid packageId');
  await err({ packageId: 'p', tables: ['ok', 'b@d'] }, "Bad request: Invalid table name 'b@d'");
  await err({ packageId: 'p', customActions: ['x*'] }, "Bad request: Invalid action 'x*'");
  await err({ packageId: 'p', tables: ['t'.repeat(125)] }, `Bad request: Derived action name too long: post${'T'}${'t'.repeat(124)}`);

  const u = await t.c.createUser(t.token, { username: 'pu' });
  const role = await t.c.createRole(t.token, 'Reader');
  await t.c.assignRole(t.token, u.id, role.id);
  const p = await t.c.createPermission(t.token, { name: 'reads', document: doc([st({ sid: 'R', actions: ['get*', 'approveBom'], resources: ['service:s/package:manufacturing_core'] })]) });
  await t.c.attachPermissionToRole(t.token, role.id, p.id);
  const r = await t.c.checkPermission(t.token, u.id, 'service:s/package:manufacturing_core/table:materials');
  assert.equal(r.resource, 'service:s/package:manufacturing_core/table:materials');
  assert.equal(r.decisions.getMaterials, true);
  assert.equal(r.decisions.getExtensibleFieldsMaterials, true);
  assert.equal(r.decisions.postMaterials, false);
  assert.equal(r.decisions.approveBom, true);
  assert.equal(r.decisions.getBomHeaders, true, 'stored action of the package, package-level resource (step B)');
  assert.equal(r.decisions.getBOMLines, undefined, 'other package out of scope');
  const all = await adminRaw(srv, t, 'POST', '/admin/permissions/check', { userId: u.id, resource: 'service:s', explain: true });
  assert.ok('getBomHeaders' in all.json.decisions && 'getBOMLines' in all.json.decisions);
  assert.deepEqual(Object.keys(all.json.matchedByAction).sort(), Object.keys(all.json.decisions).sort());
  assert.deepEqual(all.json.matchedByAction.postBomHeaders, []);
  assert.equal(all.json.matchedByAction.getBomHeaders[0].sid, 'R');
  await t.c.syncPackage(t.token, { packageId: 'a_pkg', tables: [] });
  assert.deepEqual((await t.c.listPackageActions(t.token)).packages.map((x) => x.packageId), ['manufacturing_core']);
});
