// admin_support.mjs - helpers of the admin suites: a tenant with an admin
// member made through the CLI, its session through the real login, and a
// raw admin request with that session.
import assert from 'node:assert/strict';
import { client, raw } from './harness.mjs';

export const ADMIN_PW = 'Sturdy-Pass-42';

// Creates tenant `id` with admin a@<id>.io and logs in: { c, token, email, userId }.
export async function adminTenant(srv, id) {
  const email = `a@${id}.io`;
  const r = srv.cli(['tenant', 'create', id, '--admin-email', email, '--admin-password', ADMIN_PW]);
  assert.equal(r.code, 0, r.stderr);
  const c = client(srv, id);
  const s = await c.loginEmailPassword(email, ADMIN_PW);
  assert.ok(s.sessionToken, JSON.stringify(s));
  const v = await c.validateSession(s.sessionToken);
  return { c, token: s.sessionToken, email, userId: v.userId, tenant: id };
}

// raw() with the admin's session and tenant.
export function adminRaw(srv, a, method, path, body, headers = {}) {
  return raw(srv, method, path, {
    headers: { 'X-Tenant-ID': a.tenant, Authorization: `Bearer ${a.token}`, ...headers },
    body,
  });
}

// Asserts that a client call rejects with status and message.
export async function fails(promise, status, message) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.status, status, JSON.stringify(err.body));
    if (message !== undefined) assert.equal(err.body.message, message);
    return err.body;
  }
  assert.fail(`expected ${status}`);
}
