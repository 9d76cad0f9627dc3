// sides.mjs - the authrs side of the differential test, pluggable.
//
// A side is {name, run(testCase) -> Promise<result>, close()}, where result is
//   {ok:true, cedar:<policy text>, results:[{allowed, matched, entities?}]}
// or {ok:false, status, message} when authrs refuses a document. `entities`
// may be left out (the runner then builds them itself, cedar.mjs); the HTTP
// side (POST /admin/permissions/check, GET /admin/permissions/{id}?format=cedar)
// fits the same shape.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

// The C driver (tests/tools/authz_oracle_driver.c): one JSON line per case.
export function driverSide(binary) {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift().resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`driver exited with ${code}`));
  });
  return {
    name: `driver ${binary}`,
    run(testCase) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(JSON.stringify(testCase) + '\n');
      });
    },
    close() {
      child.stdin.end();
    },
  };
}

// The server side: a real `authrs serve` on a fresh SQLite database. Each case
// becomes a tenant created through the API (POST /tenants as a builder, then
// the admin routes), and each request a POST /admin/permissions/check with
// explain; the Cedar text is GET /admin/permissions/{id}?format=cedar of every
// permission. prepare() rewrites the case to what the server holds: its ids,
// the uids its slugs give, e-mails unique to the tenant, mfaEnabled false
// (no admin route enrols MFA), and an invited member only where it has an
// e-mail to be invited by.

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export async function httpSide(binary) {
  // Thousands of small transactions: keep the database in memory-backed /dev/shm when there is one.
  const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'authz-diff-'));
  const port = await freePort();
  const env = { ...process.env, DATABASE_URL: `sqlite:${path.join(dir, 'authrs.db')}`, SERVER_HOST: '127.0.0.1',
    SERVER_PORT: String(port), ADMIN_AUTH: 'off', BUILDER_TENANT_ID: 'builder', ALLOWED_ROLES: 'admin',
    RATE_LIMITS_ENABLED: 'false', ARGON2_M_KIB: '8192', ARGON2_T: '1', LOG_LEVEL: 'error' };
  const pw = 'Sturdy-Pass-42';
  const cli = spawnSync(binary, ['tenant', 'create', 'builder', '--admin-email', 'b@builder.io', '--admin-password', pw], { cwd: dir, env });
  if (cli.status !== 0) throw new Error(`tenant create failed: ${cli.stderr}`);
  const child = spawn(binary, ['serve'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* starting */ }
    if (i > 300) throw new Error('authrs did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const call = async (method, p, tenant, body, headers = {}) => {
    const h = { ...headers };
    if (tenant) h['X-Tenant-ID'] = tenant;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const r = await fetch(base + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, text, json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : undefined };
  };
  const must = async (method, p, tenant, body, headers) => {
    const r = await call(method, p, tenant, body, headers);
    if (r.status >= 300) throw Object.assign(new Error(`${method} ${p} -> ${r.status} ${r.text}`), { response: r });
    return r.json;
  };
  const login = await must('POST', '/login/email-password', 'builder', { email: 'b@builder.io', password: pw });
  const builder = { Authorization: `Bearer ${login.sessionToken}` };
  let seq = 0, mobile = 1000000;
  await must('POST', '/tenants', undefined, { id: 'pool' }, builder);

  async function prepare(original) {
    const c = structuredClone(original);
    const T = c.tenant;
    const n = ++seq;
    const tid = `d${n}`;
    await must('POST', '/tenants', undefined, { id: tid }, builder);
    const roleId = new Map(), roleUid = new Map(), roleByName = new Map(), userId = new Map(), email = new Map();
    for (const r of T.roles) {
      const made = await must('POST', '/admin/roles', tid, { name: `Role ${r.uid}` });
      roleId.set(r.id, made.id);
      roleUid.set(r.uid, made.uid);
      roleByName.set(r.name, `Role ${r.uid}`);
    }
    for (const r of T.roles) {
      if (r.parentId && !roleId.has(r.parentId)) throw new Error('dangling parent');
      if (r.parentId) await must('PUT', `/admin/roles/${roleId.get(r.id)}/parent`, tid, { parentRoleId: roleId.get(r.parentId) });
    }
    const mapRole = (id) => { if (!roleId.has(id)) throw new Error('dangling role'); return roleId.get(id); };
    for (const u of T.users) {
      const mail = u.email === null ? null : u.email.replace(/(\.t\d+)?@/, `.t${n}@`);
      if (u.status === 'invited' && mail === null) u.status = 'active';
      const body = {};
      if (mail) body.email = mail;
      if (u.username !== null) body.username = u.username;
      if (!mail && u.username === null) Object.assign(body, { mobile: String(mobile++), countryCode: '+1' });
      if (u.status === 'invited') await must('POST', '/admin/users', 'pool', { email: mail });
      const made = await must('POST', '/admin/users', tid, body);
      if (made.status !== (u.status === 'invited' ? 'invited' : 'active')) throw new Error(`unexpected status ${made.status}`);
      if (u.status === 'archived') await must('POST', `/admin/users/${made.id}/archive`, tid);
      userId.set(u.id, made.id);
      if (u.email !== null) email.set(u.email.toLowerCase(), mail);
      Object.assign(u, { id: made.id, identityId: made.identityId, email: mail, mfaEnabled: false });
      u.roleIds = u.roleIds.map(mapRole);
      for (const r of u.roleIds) await must('POST', `/admin/users/${u.id}/roles`, tid, { roleId: r });
    }
    const mapUser = (id) => { if (!userId.has(id)) throw new Error('dangling user'); return userId.get(id); };
    for (const g of T.groups) {
      const made = await must('POST', '/admin/groups', tid, { name: g.uid });
      g.id = made.id;
      g.roleIds = g.roleIds.map(mapRole);
      g.memberIds = g.memberIds.map(mapUser);
      for (const r of g.roleIds) await must('POST', `/admin/groups/${g.id}/roles`, tid, { roleId: r });
      for (const m of g.memberIds) await must('POST', `/admin/groups/${g.id}/users`, tid, { userId: m });
    }
    const principal = (p) => {
      const i = p.indexOf(':');
      if (i < 0) return p;
      const [kind, v] = [p.slice(0, i), p.slice(i + 1)];
      if (kind === 'role') return `role:${roleUid.get(v) ?? roleByName.get(v) ?? v}`;
      if (kind === 'user') return `user:${userId.get(v) ?? email.get(v.toLowerCase()) ?? v}`;
      return p;
    };
    for (const p of T.permissions) {
      for (const s of p.document.statements ?? []) if (Array.isArray(s.principals)) s.principals = s.principals.map(principal);
      const made = await call('POST', '/admin/permissions', tid, { name: p.name, document: p.document });
      if (made.status !== 201) return { ...c, refused: made };
      p.id = made.json.id;
      p.roleIds = p.roleIds.map(mapRole);
      for (const r of p.roleIds) await must('POST', `/admin/roles/${r}/permissions`, tid, { permissionId: p.id });
    }
    for (const r of T.roles)
      Object.assign(r, { id: roleId.get(r.id), uid: roleUid.get(r.uid), name: `Role ${r.uid}`,
        parentId: r.parentId && roleId.get(r.parentId) });
    c.requests = c.requests.map((q) => ({ ...q, userId: mapUser(q.userId) }));
    c.tenantId = tid;
    return c;
  }

  async function run(c) {
    if (c.refused) return { ok: false, status: c.refused.status, message: c.refused.json?.message };
    const results = await Promise.all(c.requests.map(async (q) => {
      const r = await must('POST', '/admin/permissions/check', c.tenantId,
        { userId: q.userId, action: q.action, resource: q.resource, context: q.context, explain: true });
      return { allowed: r.allowed, matched: r.matched };
    }));
    const texts = await Promise.all(c.tenant.permissions.map(async (p) => {
      const r = await call('GET', `/admin/permissions/${p.id}?format=cedar`, c.tenantId);
      if (r.status !== 200) throw new Error(`cedar text: ${r.status} ${r.text}`);
      return r.text;
    }));
    return { ok: true, cedar: texts.join('\n'), results };
  }

  return {
    name: `HTTP ${binary}`,
    baseUrl: base,
    prepare,
    run,
    close() {
      const exited = new Promise((res) => child.on('exit', res));
      child.kill('SIGTERM');
      return exited.then(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}
