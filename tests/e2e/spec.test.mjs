// GET /spec and GET /docs (API.md 3.1): the OpenAPI 3.1 document describes exactly the 77 routes
// of the route table (API.md section 2) with their operationIds, parameters, success responses and
// the error envelope; the HTML reference is self-contained, served under the documented CSP, and
// embeds the same document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startServer, client, raw } from './harness.mjs';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

// The route table of API.md section 2: [method, path, operationId, X-Tenant-ID, success statuses].
// Tenant: 'req' required, 'opt' optional, null ignored.
const ROUTES = [
  ['GET', '/health', 'healthCheck', null, [200]],
  ['GET', '/metrics', 'getMetrics', null, [200]],
  ['GET', '/spec', 'getSpec', null, [200]],
  ['GET', '/docs', 'getDocs', null, [200]],
  ['POST', '/signup', 'signup', 'req', [201, 202]],
  ['POST', '/signup/verify', 'verifyMembership', null, [201]],
  ['POST', '/login/email-password', 'loginEmailPassword', 'req', [200]],
  ['POST', '/login/username-password', 'loginUsernamePassword', 'req', [200]],
  ['POST', '/login/email-otp/request', 'loginEmailOtpRequest', 'req', [200]],
  ['POST', '/login/mobile-otp/request', 'loginMobileOtpRequest', 'req', [200]],
  ['POST', '/login/mobile-whatsapp-otp/request', 'loginWhatsAppOtpRequest', 'req', [200]],
  ['POST', '/login/otp/verify', 'loginOtpVerify', 'req', [200]],
  ['GET', '/oauth/{provider}', 'oauthAuthorize', 'opt', [302]],
  ['GET', '/oauth/{provider}/callback', 'oauthCallback', null, [200]],
  ['POST', '/login/identity', 'loginIdentity', null, [200]],
  ['GET', '/identity/tenants', 'identityTenants', null, [200]],
  ['POST', '/login/select-tenant', 'selectTenant', null, [200]],
  ['POST', '/session/switch', 'switchTenant', null, [200]],
  ['GET', '/session/tenants', 'sessionTenants', null, [200]],
  ['POST', '/session/logout/global', 'logoutGlobal', null, [200]],
  ['GET', '/session/validate', 'validateSession', null, [200]],
  ['GET', '/session/me', 'me', null, [200]],
  ['POST', '/session/change-password', 'changePassword', null, [200]],
  ['POST', '/session/force-change-password', 'forceChangePassword', null, [200]],
  ['POST', '/session/logout', 'logout', null, [200]],
  ['POST', '/session/logout/all', 'logoutAll', 'req', [200]],
  ['POST', '/forgot-password', 'forgotPassword', 'req', [200]],
  ['POST', '/reset-password', 'resetPassword', 'req', [200]],
  ['POST', '/check-availability/email', 'checkEmailAvailability', 'req', [200]],
  ['POST', '/check-availability/username', 'checkUsernameAvailability', 'req', [200]],
  ['POST', '/check-availability/mobile', 'checkMobileAvailability', 'req', [200]],
  ['POST', '/mfa/enable', 'enableMfa', null, [200]],
  ['POST', '/mfa/verify', 'verifyMfa', null, [200]],
  ['POST', '/mfa/validate', 'validateMfa', null, [200]],
  ['POST', '/mfa/disable', 'disableMfa', null, [200]],
  ['POST', '/admin/users', 'createUser', 'req', [201]],
  ['GET', '/admin/users', 'listUsers', 'req', [200]],
  ['GET', '/admin/users/{userId}/roles', 'listUserRoles', 'req', [200]],
  ['POST', '/admin/users/{userId}/roles', 'assignRole', 'req', [201]],
  ['DELETE', '/admin/users/{userId}/roles/{roleId}', 'removeRole', 'req', [200]],
  ['GET', '/admin/users/{userId}/groups', 'listUserGroups', 'req', [200]],
  ['POST', '/admin/users/{userId}/archive', 'archiveUser', 'req', [200]],
  ['POST', '/admin/users/{userId}/reset-password', 'resetUserPassword', 'req', [200]],
  ['PATCH', '/admin/users/{userId}/access-validity', 'setAccessValidity', 'req', [200]],
  ['POST', '/admin/users/{userId}/mfa/reset', 'resetUserMfa', 'req', [200]],
  ['POST', '/admin/roles', 'createRole', 'req', [201]],
  ['GET', '/admin/roles', 'listRoles', 'req', [200]],
  ['DELETE', '/admin/roles/{roleId}', 'deleteRole', 'req', [200]],
  ['PUT', '/admin/roles/{roleId}/parent', 'setRoleParent', 'req', [200]],
  ['GET', '/admin/roles/{roleId}/hierarchy', 'getRoleHierarchy', 'req', [200]],
  ['POST', '/admin/roles/{roleId}/permissions', 'attachPermissionToRole', 'req', [201]],
  ['GET', '/admin/roles/{roleId}/permissions', 'listRolePermissions', 'req', [200]],
  ['DELETE', '/admin/roles/{roleId}/permissions/{permissionId}', 'detachPermissionFromRole', 'req', [200]],
  ['POST', '/admin/groups', 'createGroup', 'req', [201]],
  ['GET', '/admin/groups', 'listGroups', 'req', [200]],
  ['GET', '/admin/groups/{groupId}', 'getGroup', 'req', [200]],
  ['DELETE', '/admin/groups/{groupId}', 'deleteGroup', 'req', [200]],
  ['POST', '/admin/groups/{groupId}/users', 'addUserToGroup', 'req', [201]],
  ['GET', '/admin/groups/{groupId}/users', 'listGroupMembers', 'req', [200]],
  ['DELETE', '/admin/groups/{groupId}/users/{userId}', 'removeUserFromGroup', 'req', [200]],
  ['POST', '/admin/groups/{groupId}/roles', 'assignRoleToGroup', 'req', [201]],
  ['GET', '/admin/groups/{groupId}/roles', 'listGroupRoles', 'req', [200]],
  ['DELETE', '/admin/groups/{groupId}/roles/{roleId}', 'removeRoleFromGroup', 'req', [200]],
  ['POST', '/admin/permissions', 'createPermission', 'req', [201]],
  ['GET', '/admin/permissions', 'listPermissions', 'req', [200]],
  ['POST', '/admin/permissions/check', 'checkPermission', 'req', [200]],
  ['GET', '/admin/permissions/{permissionId}', 'getPermission', 'req', [200]],
  ['DELETE', '/admin/permissions/{permissionId}', 'deletePermission', 'req', [200]],
  ['POST', '/admin/packages/sync', 'syncPackage', 'req', [200]],
  ['GET', '/admin/packages/actions', 'listPackageActions', 'req', [200]],
  ['GET', '/admin/kv_store', 'listKvKeys', 'req', [200]],
  ['GET', '/admin/kv_store/{groupKey}/{key}', 'getKvValue', 'req', [200]],
  ['PUT', '/admin/kv_store/{groupKey}/{key}', 'setKvValue', 'req', [200]],
  ['DELETE', '/admin/kv_store/{groupKey}/{key}', 'deleteKvValue', 'req', [200]],
  ['GET', '/tenants', 'listTenants', null, [200]],
  ['POST', '/tenants', 'createTenant', null, [201]],
  ['PATCH', '/tenants/{tenantId}', 'updateTenant', null, [200]],
];

// Routes that take a JSON body (API.md section 3).
const BODY_ROUTES = new Set([
  'signup', 'verifyMembership', 'loginEmailPassword', 'loginUsernamePassword', 'loginEmailOtpRequest',
  'loginMobileOtpRequest', 'loginWhatsAppOtpRequest', 'loginOtpVerify', 'loginIdentity', 'selectTenant',
  'switchTenant', 'changePassword', 'forceChangePassword', 'forgotPassword', 'resetPassword',
  'checkEmailAvailability', 'checkUsernameAvailability', 'checkMobileAvailability', 'verifyMfa', 'validateMfa',
  'disableMfa', 'createUser', 'assignRole', 'resetUserPassword', 'setAccessValidity', 'createRole',
  'setRoleParent', 'attachPermissionToRole', 'createGroup', 'addUserToGroup', 'assignRoleToGroup',
  'createPermission', 'checkPermission', 'syncPackage', 'setKvValue', 'createTenant', 'updateTenant',
]);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let srv;
let spec; // as returned by the client
let deref; // a dereferenced copy

before(async () => {
  srv = await startServer({ env: {} });
  spec = await client(srv, undefined).getSpec();
  deref = await SwaggerParser.dereference(structuredClone(spec));
});

after(async () => {
  await srv?.stop();
});

function operations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      if (item[method]) ops.push({ method: method.toUpperCase(), path, op: item[method] });
    }
  }
  return ops;
}

test('getSpec returns OpenAPI 3.1 with the title, the server version, servers and security schemes', async () => {
  const health = await client(srv, undefined).healthCheck();
  assert.equal(typeof spec, 'object');
  assert.match(spec.openapi, /^3\.1\.\d+$/);
  assert.equal(spec.info.title, 'Authrs API');
  assert.equal(typeof health.version, 'string');
  assert.equal(spec.info.version, health.version);
  assert.deepEqual(spec.servers, [{ url: '/' }]);
  const schemes = spec.components.securitySchemes;
  assert.equal(schemes.bearer.type, 'http');
  assert.equal(schemes.bearer.scheme.toLowerCase(), 'bearer');
  assert.equal(schemes.tenant.type, 'apiKey');
  assert.equal(schemes.tenant.in, 'header');
  assert.equal(schemes.tenant.name, 'X-Tenant-ID');
});

test('GET /spec is served as application/json', async () => {
  const r = await raw(srv, 'GET', '/spec', { headers: {} });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(r.json, spec);
});

test('the document validates as OpenAPI 3.1', async () => {
  const api = await SwaggerParser.validate(structuredClone(spec));
  assert.match(api.openapi, /^3\.1\./);
});

test('it lists exactly the 77 routes of the route table with their operationIds', () => {
  assert.equal(ROUTES.length, 77);
  const got = operations(spec)
    .map(({ method, path, op }) => `${method} ${path} ${op.operationId}`)
    .sort();
  const want = ROUTES.map(([method, path, id]) => `${method} ${path} ${id}`).sort();
  assert.deepEqual(got, want);
  const ids = operations(spec).map(({ op }) => op.operationId);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
});

test('no OPTIONS, HEAD or TRACE operations are listed', () => {
  for (const item of Object.values(spec.paths)) {
    for (const m of ['options', 'head', 'trace']) assert.equal(item[m], undefined);
  }
});

test('path parameters are declared for every template segment, UUIDs as uuid', () => {
  for (const { method, path, op } of operations(deref)) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const declared = [...(deref.paths[path].parameters ?? []), ...(op.parameters ?? [])].filter((p) => p.in === 'path');
    assert.deepEqual(declared.map((p) => p.name).sort(), [...names].sort(), `${method} ${path}`);
    for (const p of declared) {
      assert.equal(p.required, true, `${method} ${path} ${p.name} required`);
      if (['userId', 'roleId', 'groupId', 'permissionId'].includes(p.name)) {
        assert.equal(p.schema.format, 'uuid', `${method} ${path} ${p.name} format`);
      }
    }
  }
});

test('X-Tenant-ID is a header parameter exactly where the route table reads it', () => {
  for (const [method, path, id, tenant] of ROUTES) {
    const op = deref.paths[path][method.toLowerCase()];
    const params = [...(deref.paths[path].parameters ?? []), ...(op.parameters ?? [])];
    const h = params.find((p) => p.in === 'header' && p.name.toLowerCase() === 'x-tenant-id');
    if (tenant === null) {
      assert.equal(h, undefined, `${id} must not declare X-Tenant-ID`);
    } else {
      assert.ok(h, `${id} declares X-Tenant-ID`);
      assert.equal(Boolean(h.required), tenant === 'req', `${id} X-Tenant-ID required`);
    }
  }
});

test('list routes document their query parameters', () => {
  const query = (path, method = 'get') =>
    (deref.paths[path][method].parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  for (const path of ['/admin/users', '/admin/groups/{groupId}/users', '/admin/roles', '/admin/groups', '/admin/permissions']) {
    for (const q of ['q', 'sort', 'limit', 'offset']) assert.ok(query(path).includes(q), `${path} ${q}`);
  }
  assert.ok(query('/admin/users').includes('includeArchived'));
  assert.ok(query('/admin/permissions/{permissionId}').includes('format'));
  for (const q of ['tenant', 'redirect_uri']) assert.ok(query('/oauth/{provider}').includes(q));
  for (const q of ['code', 'state', 'error']) assert.ok(query('/oauth/{provider}/callback').includes(q));
});

test('body routes have a JSON request body; the others have none', () => {
  for (const { method, path, op } of operations(deref)) {
    if (BODY_ROUTES.has(op.operationId)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      assert.ok(schema, `${method} ${path} request schema`);
      assert.equal(schema.type, 'object', `${method} ${path} request is an object`);
    } else {
      assert.equal(op.requestBody, undefined, `${method} ${path} takes no body`);
    }
  }
});

test('every route documents its success statuses and the error envelope', () => {
  for (const [method, path, id, , statuses] of ROUTES) {
    const op = deref.paths[path][method.toLowerCase()];
    for (const s of statuses) assert.ok(op.responses[String(s)], `${id} documents ${s}`);
    const errors = Object.entries(op.responses).filter(([code]) => /^[45]\d\d$/.test(code));
    assert.ok(errors.length > 0, `${id} documents errors`);
    for (const [code, resp] of errors) {
      if (id === 'healthCheck' && code === '503') continue; // health reports its own status
      const schema = resp.content?.['application/json']?.schema;
      assert.ok(schema, `${id} ${code} has a JSON body`);
      assert.ok(schema.properties?.error && schema.properties?.message, `${id} ${code} is the error envelope`);
      assert.deepEqual([...(schema.required ?? [])].sort(), ['error', 'message'], `${id} ${code} required keys`);
    }
  }
});

test('admin routes name their action', () => {
  for (const [method, path, id] of ROUTES) {
    if (!path.startsWith('/admin/')) continue;
    const op = spec.paths[path][method.toLowerCase()];
    assert.equal(op['x-authrs-action'], `authrs:${id}`, `${method} ${path}`);
  }
});

test('GET /docs is a self-contained HTML page under the documented CSP', async () => {
  const r = await raw(srv, 'GET', '/docs', { headers: {} });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/i);
  assert.equal(r.headers.get('content-security-policy'), CSP);
  const html = r.text;
  assert.match(html, /^<!DOCTYPE html>/i);
  assert.ok(!html.includes('__AUTHRS_SPEC_JSON__'), 'placeholder substituted');
  // No reference to another host: src/href attributes and CSS url() may not be absolute or
  // protocol-relative.
  const attrs = [...html.matchAll(/\b(?:src|href|action)\s*=\s*(["']?)([^"'\s>]*)\1/gi)].map((m) => m[2]);
  for (const a of attrs) assert.doesNotMatch(a, /^\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i, `attribute value ${a}`);
  assert.doesNotMatch(html, /url\(\s*["']?\s*(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /@import/i);
});

test('GET /docs embeds the same document as GET /spec', async () => {
  const r = await raw(srv, 'GET', '/docs', { headers: {} });
  const m = r.text.match(/<script type="application\/json" id="authrs-spec">([\s\S]*?)<\/script>/);
  assert.ok(m, 'spec script element');
  assert.ok(!m[1].includes('</'), 'embedded JSON escapes </');
  assert.deepEqual(JSON.parse(m[1]), spec);
});
