// cedar.mjs - the reference side: the official Cedar engine (cedar-wasm) fed
// with the policy text authrs renders, and an independent builder of the
// Cedar entities of a request (API.md 3.14 "Cedar rendering").
import { setFlagsFromString } from 'node:v8';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

// Node 20's TurboFan crashes ("unreachable code" in the deoptimizer) after
// inlining the JS->wasm calls of cedar-wasm in a hot loop; keep them calls.
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export const cedarVersion = cedar.getCedarVersion();

// Splits policy text into {"<@id>": text} at each annotation that starts a
// line (the renderer starts every policy so; Cedar then parses each one).
export function policiesById(text) {
  const out = {};
  for (const p of text.split(/^(?=@id\()/m)) {
    const m = /^@id\("((?:[^"\\]|\\.)*)"\)/.exec(p);
    if (m) out[m[1]] = p;
  }
  return out;
}

// One slot, overwritten by each case: preparsed sets live in wasm memory.
export function preparse(policies, id = 'current') {
  const r = cedar.preparsePolicySet(id, { staticPolicies: policies });
  if (r.type !== 'success') throw new Error(`preparse failed: ${JSON.stringify(r.errors)}`);
  return id;
}

export function decide(psetId, request, entities) {
  const r = cedar.statefulIsAuthorized({
    principal: { type: 'AuthRS::User', id: request.userId },
    action: { type: 'AuthRS::Action', id: request.action },
    resource: resourceUid(request.resource),
    context: request.context ?? {},
    preparsedPolicySetId: psetId,
    entities,
  });
  if (r.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(r.errors)}`);
  return { allowed: r.response.decision === 'allow', reason: r.response.diagnostics.reason };
}

const TYPES = { service: 'Service', package: 'Package', table: 'Table', column: 'Column' };
export function resourceUid(path) {
  const last = path.split('/').pop();
  return { type: `AuthRS::${TYPES[last.split(':')[0]]}`, id: path };
}

// Entities of a request, from the tenant data of a test case.
export function buildEntities(tenant, request) {
  const roleById = new Map(tenant.roles.map((r) => [r.id, r]));
  const user = tenant.users.find((u) => u.id === request.userId);
  const groups = tenant.groups.filter((g) => g.memberIds.includes(user.id));
  const effective = new Set();
  const climb = (id) => { while (id && !effective.has(id)) { effective.add(id); id = roleById.get(id).parentId; } };
  user.roleIds.forEach(climb);
  groups.forEach((g) => g.roleIds.forEach(climb));
  const attrs = { status: user.status, mfaEnabled: user.mfaEnabled, identityId: user.identityId,
    roles: [...effective].map((id) => roleById.get(id).uid), groups: groups.map((g) => g.uid) };
  if (user.email !== null) attrs.email = user.email;
  if (user.username !== null) attrs.username = user.username;
  const uid = (type, id) => ({ type: `AuthRS::${type}`, id });
  const out = [
    { uid: uid('User', user.id), attrs,
      parents: user.roleIds.map((id) => uid('Role', roleById.get(id).uid)).concat(groups.map((g) => uid('Group', g.uid))) },
    ...groups.map((g) => ({ uid: uid('Group', g.uid), attrs: {}, parents: g.roleIds.map((id) => uid('Role', roleById.get(id).uid)) })),
    ...tenant.roles.map((r) => ({ uid: uid('Role', r.uid), attrs: {},
      parents: r.parentId ? [uid('Role', roleById.get(r.parentId).uid)] : [] })),
  ];
  const segs = request.resource.split('/');
  let parent = null;
  segs.forEach((_, i) => {
    const e = resourceUid(segs.slice(0, i + 1).join('/'));
    out.push({ uid: e, attrs: {}, parents: parent ? [parent] : [] });
    parent = e;
  });
  const a = request.action;
  out.push({ uid: uid('Action', a), attrs: {},
    parents: Array.from({ length: a.length + 1 }, (_, k) => uid('Action', a.slice(0, k) + '*')) });
  return out;
}

// Entity lists compared as sets of (uid, sorted parents, attrs).
export function sameEntities(a, b) {
  const key = (e) => JSON.stringify([e.uid.type, e.uid.id,
    e.parents.map((p) => `${p.type}::${p.id}`).sort(), normalise(e.attrs)]);
  const ka = new Set(a.map(key)), kb = new Set(b.map(key));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

function normalise(v) {
  if (Array.isArray(v)) return v.map(normalise).map((x) => JSON.stringify(x)).sort();
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, normalise(v[k])]));
  return v;
}
