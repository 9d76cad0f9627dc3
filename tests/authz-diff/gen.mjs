// gen.mjs - seeded generator of random tenants and check requests for the
// differential test. Everything is drawn from one PRNG, so a seed names a case.

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    some: (arr, max) => {
      const n = r.int(0, Math.min(max, arr.length));
      const copy = arr.slice();
      const out = [];
      for (let i = 0; i < n; i++) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
      return out;
    },
    uuid: () => {
      const h = () => Math.floor(next() * 16).toString(16);
      const s = (n) => Array.from({ length: n }, h).join('');
      return `${s(8)}-${s(4)}-4${s(3)}-a${s(3)}-${s(12)}`;
    },
  };
  return r;
}

const EXACT = ['getMaterials', 'postMaterials', 'getBom', 'approveBom', 'get', 'authrs:listUsers',
  'authrs:getUser', 'deleteExtensibleFieldsMaterials', 'x.y-z:w_1'];
const PREFIX = ['get*', 'authrs:*', '*', 'post*', 'getM*', 'authrs:get*', 'getMaterials*', 'x.*'];
const RES = ['service:core', 'service:core/package:mfg', 'service:core/package:mfg/table:materials',
  'service:core/package:mfg/table:materials/column:qty', 'service:core/package:mfg/table:bom',
  'package:mfg', 'package:mfg/table:materials', 'table:materials', 'service:authrs',
  'service:other/package:mfg', 'column:qty'];
const STRS = ['eu', 'us', 'admin', 'e', '', 'r0', 'r1', 'g0', 'a*b', 'q"\\x', 'active', 'jane@example.com', 'Jane'];
const CTX_ATTRS = ['context.amount', 'context.region', 'context.tags', 'context.flag',
  'context.user.level', 'context.user.dept', 'context.missing', 'context.user', 'context.nested.deep.x'];
const PRIN_ATTRS = ['principal.email', 'principal.username', 'principal.status',
  'principal.mfaEnabled', 'principal.roles', 'principal.groups', 'principal.identityId'];
const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'startsWith', 'exists'];

function scalar(r) {
  const k = r.int(0, 2);
  if (k === 0) return r.pick([-5, 0, 1, 7, 100, 999, 1000, 1001, 5000, -9007199254740991, 9007199254740991]);
  if (k === 1) return r.pick(STRS);
  return r.chance(0.5);
}

function condValue(r, op) {
  switch (op) {
    case 'gt': case 'gte': case 'lt': case 'lte': return r.pick([-5, 0, 1, 100, 999, 1000, 1001]);
    case 'in': return Array.from({ length: r.int(0, 3) }, () => scalar(r));
    case 'contains': return scalar(r);
    case 'startsWith': return r.pick(['', 'e', 'j', 'a*', 'q"', 'adm', 'ja']);
    case 'exists': return r.chance(0.5);
    default: return r.chance(0.25) ? Array.from({ length: r.int(0, 3) }, () => scalar(r)) : scalar(r);
  }
}

function principalRef(r, t) {
  const k = r.int(0, 6);
  if (k === 0 || t.roles.length === 0) return '*';
  if (k <= 2) { const role = r.pick(t.roles); return r.chance(0.7) ? `role:${role.uid}` : `role:${role.name}`; }
  if (k === 3 && t.groups.length) return `group:${r.pick(t.groups).uid}`;
  const u = r.pick(t.users);
  const forms = [u.id, u.email, u.username].filter((x) => x !== null);
  return `user:${r.pick(forms)}`;
}

function statement(r, t, i) {
  const s = {
    effect: r.pick(r.chance(0.3) ? ['Deny', 'deny', 'DENY'] : ['Allow', 'allow', 'ALLOW']),
    principals: Array.from({ length: r.int(r.chance(0.95) ? 1 : 0, 2) }, () => principalRef(r, t)),
    actions: Array.from({ length: r.int(r.chance(0.95) ? 1 : 0, 3) }, () => r.pick(r.chance(0.5) ? EXACT : PREFIX)),
    resources: Array.from({ length: r.int(r.chance(0.95) ? 1 : 0, 2) }, () => (r.chance(0.2) ? '*' : r.pick(RES))),
  };
  if (r.chance(0.8)) s.sid = r.chance(0.2) ? `S"${i}\\ \té` : `S${i}`;
  if (r.chance(0.6)) {
    s.conditions = Array.from({ length: r.int(0, 3) }, () => {
      const op = r.pick(OPS);
      return { attribute: r.pick(r.chance(0.65) ? CTX_ATTRS : PRIN_ATTRS), operator: op, value: condValue(r, op) };
    });
  }
  return s;
}

function contextValue(r) {
  const ctx = {};
  if (r.chance(0.8)) ctx.amount = r.chance(0.85) ? r.pick([-5, 0, 1, 100, 999, 1000, 1001, 4000]) : 'big';
  if (r.chance(0.7)) ctx.region = r.chance(0.85) ? r.pick(['eu', 'us', 'e', '']) : 3;
  if (r.chance(0.6)) ctx.tags = r.chance(0.8) ? r.some(['eu', 'admin', 1, true, 'us'], 3) : 'eu';
  if (r.chance(0.5)) ctx.flag = r.chance(0.8) ? r.chance(0.5) : 'true';
  if (r.chance(0.6)) {
    ctx.user = r.chance(0.8) ? {} : r.pick(['x', 1, ['eu']]);
    if (typeof ctx.user === 'object' && !Array.isArray(ctx.user)) {
      if (r.chance(0.7)) ctx.user.level = r.pick([0, 1, 1000, 'high']);
      if (r.chance(0.6)) ctx.user.dept = r.pick(['eu', 'admin', 'rnd']);
    }
  }
  if (r.chance(0.2)) ctx.nested = { deep: r.chance(0.5) ? { x: 1 } : 5 };
  return ctx;
}

export function genCase(seed) {
  const r = rng(seed);
  const t = { roles: [], groups: [], users: [], permissions: [] };
  const nRoles = r.int(1, 8);
  for (let i = 0; i < nRoles; i++) {
    const parent = i > 0 && r.chance(0.6) ? r.pick(t.roles).id : null;
    const uid = r.chance(0.2) ? `é${i}_ü` : `r${i}`;
    t.roles.push({ id: r.uuid(), name: `Role ${i}`, uid, parentId: parent });
  }
  const nUsers = r.int(1, 4);
  for (let i = 0; i < nUsers; i++) {
    t.users.push({
      id: r.uuid(), identityId: r.uuid(),
      email: r.chance(0.8) ? `user${i}@example.com` : null,
      username: r.chance(0.6) ? `user_${i}` : null,
      status: r.pick(['active', 'active', 'invited', 'archived']),
      mfaEnabled: r.chance(0.3),
      roleIds: r.some(t.roles.map((x) => x.id), 3),
    });
  }
  const nGroups = r.int(0, 3);
  for (let i = 0; i < nGroups; i++) {
    t.groups.push({ id: r.uuid(), uid: `g${i}`, roleIds: r.some(t.roles.map((x) => x.id), 2),
      memberIds: r.some(t.users.map((x) => x.id), 3) });
  }
  const nPerms = r.chance(0.15) ? r.int(20, 50) : r.int(1, 12);
  for (let i = 0; i < nPerms; i++) {
    const statements = Array.from({ length: r.int(0, 3) }, (_, j) => statement(r, t, j));
    const name = `perm-${String(i).padStart(2, '0')}${r.chance(0.1) ? ' "q\\ü\n' : ''}`;
    t.permissions.push({ id: r.uuid(), name,
      roleIds: r.chance(0.9) ? r.some(t.roles.map((x) => x.id), 3) : [],
      document: { version: '1.0', statements } });
  }
  const requests = Array.from({ length: 40 }, () => ({
    userId: r.pick(t.users).id,
    action: r.pick(EXACT.concat(['getMaterialsX', 'authrs:deleteUser', 'other', 'g'])),
    resource: r.pick(RES),
    context: contextValue(r),
  }));
  return { tenant: t, requests };
}
