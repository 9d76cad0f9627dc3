// bench.mjs - decisions per second of the authrs engine (in process, through
// `authz_oracle_driver --bench`) and of cedar-wasm (statefulIsAuthorized on a
// preparsed policy set) on the same case: 1,000 documents, 50 roles in 3
// levels, a member with 5 effective roles (3 levels) in 2 groups.
//
//   node bench.mjs [--driver PATH] [--seconds N]
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './gen.mjs';
import { driverSide } from './sides.mjs';
import { cedarVersion, decide, policiesById, preparse } from './cedar.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (k, d) => (argv.includes(`--${k}`) ? argv[argv.indexOf(`--${k}`) + 1] : d);
const driver = opt('driver', resolve(here, '../../build/authz_oracle_driver'));
const seconds = Number(opt('seconds', 3));

export function benchCase() {
  const r = rng(20261127);
  const roles = Array.from({ length: 50 }, (_, i) => ({ id: r.uuid(), name: `Role ${i}`, uid: `r${i}`, parentId: null }));
  for (let i = 17; i < 50; i++) roles[i].parentId = roles[i - 17].id; // 0-16 roots, then 2 more levels
  const user = { id: r.uuid(), identityId: r.uuid(), email: 'jane@example.com', username: 'jane',
    status: 'active', mfaEnabled: true, roleIds: [roles[40].id] }; // r40 -> r23 -> r6
  const other = { id: r.uuid(), identityId: r.uuid(), email: null, username: 'bob', status: 'active',
    mfaEnabled: false, roleIds: [roles[3].id] };
  const groups = [
    { id: r.uuid(), uid: 'g0', roleIds: [roles[10].id], memberIds: [user.id] },
    { id: r.uuid(), uid: 'g1', roleIds: [roles[11].id], memberIds: [user.id, other.id] },
  ];
  const tables = Array.from({ length: 30 }, (_, i) => `t${i}`);
  const verbs = ['get', 'post', 'patch', 'put', 'delete', 'archive', 'unarchive'];
  const actions = tables.flatMap((t) => verbs.map((v) => `${v}T${t.slice(1)}`));
  const resources = tables.map((t, i) => `service:core/package:p${i % 5}/table:${t}`);
  const statement = (j) => ({
    sid: `S${j}`,
    effect: r.chance(0.1) ? 'Deny' : 'Allow',
    principals: [r.chance(0.5) ? '*' : r.chance(0.8) ? `role:r${r.int(0, 49)}` : `group:g${r.int(0, 1)}`],
    actions: Array.from({ length: r.int(1, 3) }, () => (r.chance(0.1) ? `${r.pick(verbs)}*` : r.pick(actions))),
    resources: [r.chance(0.2) ? `service:core/package:p${r.int(0, 4)}` : r.pick(resources)],
    conditions: r.chance(0.3) ? [r.chance(0.5)
      ? { attribute: 'context.amount', operator: 'lte', value: r.int(0, 2000) }
      : { attribute: 'context.region', operator: 'in', value: ['eu', 'us'] }] : [],
  });
  const permissions = Array.from({ length: 1000 }, (_, i) => ({
    id: r.uuid(), name: `perm-${String(i).padStart(4, '0')}`,
    roleIds: r.some(roles.map((x) => x.id), 2).concat(r.chance(0.02) ? [roles[40].id] : []),
    document: { version: '1.0', statements: Array.from({ length: r.int(1, 2) }, (_, j) => statement(j)) },
  }));
  const requests = Array.from({ length: 200 }, () => ({
    userId: user.id, action: r.pick(actions), resource: r.pick(resources),
    context: { amount: r.int(0, 2000), region: r.pick(['eu', 'us', 'in']) },
  }));
  return { tenant: { roles, groups, users: [user, other], permissions }, requests };
}

async function main() {
  const c = benchCase();
  const side = driverSide(driver);
  const out = await side.run(c);
  side.close();
  if (!out.ok) throw new Error(`driver refused the bench case: ${out.message}`);
  const policies = policiesById(out.cedar);
  const pset = preparse(policies);
  let disagree = 0;
  c.requests.forEach((req, j) => { if (decide(pset, req, out.results[j].entities).allowed !== out.results[j].allowed) disagree++; });

  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    c.requests.forEach((req, j) => { decide(pset, req, out.results[j].entities); n++; });
  }
  const cedarRate = n / ((performance.now() - t0) / 1000);

  const run = spawnSync(driver, ['--bench', String(seconds)], { input: JSON.stringify(c) + '\n' });
  const authrs = JSON.parse(run.stdout.toString());

  const allowed = out.results.filter((x) => x.allowed).length;
  console.log(`case: 1000 documents, ${Object.keys(policies).length} Cedar policies, member with 5 roles (3 levels) in 2 groups, ` +
    `${c.requests.length} requests (${allowed} allowed), decisions that disagree: ${disagree}`);
  console.log(`authrs engine : ${Math.round(authrs.perSecond).toLocaleString('en')} decisions/s`);
  console.log(`cedar-wasm ${cedarVersion}: ${Math.round(cedarRate).toLocaleString('en')} decisions/s (statefulIsAuthorized, preparsed policies)`);
  console.log(`ratio         : ${(authrs.perSecond / cedarRate).toFixed(0)}x`);
  if (disagree) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
