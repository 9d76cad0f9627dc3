// run.mjs - differential test: authrs's decisions against the official Cedar
// engine on the Cedar text and entities authrs produces.
//
//   node run.mjs [--seed N] [--requests N] [--parallel N] [--side http|driver] [--bin PATH] [--driver PATH]
//
// Cases come from gen.mjs, seeded: case i of seed s is genCase(s * 1000003 + i).
// The first disagreement is shrunk to a minimal case and printed; exit 1.
// The authrs side is pluggable (sides.mjs); the default is the server over
// HTTP (POST /admin/permissions/check against build/authrs), the other the
// in-process C driver.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { genCase } from './gen.mjs';
import { driverSide, httpSide } from './sides.mjs';
import { buildEntities, cedarVersion, decide, policiesById, preparse, sameEntities } from './cedar.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function args() {
  const a = { seed: 1, requests: 10000, side: 'http', driver: resolve(here, '../../build/authz_oracle_driver'),
    bin: process.env.AUTHRS_BIN || resolve(here, '../../build/authrs') };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    a[k] = ['driver', 'side', 'bin'].includes(k) ? argv[i + 1] : Number(argv[i + 1]);
  }
  return a;
}

const setOf = (xs) => new Set(xs);
// Undoes Cedar string escapes (\u{hex} and \c) in an @id value.
const unescape = (s) => s.replace(/\\u\{([0-9a-fA-F]+)\}|\\(.)/g, (_, hex, c) => (hex ? String.fromCodePoint(parseInt(hex, 16)) : c));
const sameSet = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));

// Returns the problems found for a case (empty when authrs and Cedar agree).
export async function compare(side, testCase) {
  if (side.prepare) testCase = await side.prepare(testCase);
  const out = await side.run(testCase);
  if (!out.ok) return [{ kind: 'refused', detail: out }];
  const problems = [];
  problems.allowed = out.results.filter((r) => r.allowed).length;
  const pset = preparse(policiesById(out.cedar));
  testCase.requests.forEach((req, j) => {
    const mine = out.results[j];
    const built = buildEntities(testCase.tenant, req);
    if (mine.entities && !sameEntities(mine.entities, built))
      problems.push({ kind: 'entities', request: j, authrs: mine.entities, expected: built });
    const ref = decide(pset, req, mine.entities ?? built);
    if (ref.allowed !== mine.allowed) problems.push({ kind: 'decision', request: j, authrs: mine.allowed, cedar: ref.allowed });
    if ('quick' in mine && mine.quick !== mine.allowed) problems.push({ kind: 'explain-vs-quick', request: j });
    // Cedar's reasons are the satisfied policies of the deciding effect.
    const effect = ref.allowed ? 'Allow' : 'Deny';
    const reasons = setOf(ref.reason.map((id) => unescape(id).split('/').slice(0, 2).join('/')));
    const matched = setOf(mine.matched.filter((m) => m.effect === effect).map((m) => `${m.permission}/${m.sid}`));
    if (!sameSet(reasons, matched)) problems.push({ kind: 'explain', request: j, cedar: [...reasons], authrs: [...matched] });
  });
  return problems;
}

// Every case one edit smaller: drop an array element, drop a context key,
// make a role a root.
function* smaller(v, path = []) {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield (root) => { get(root, path).splice(i, 1); };
    for (let i = 0; i < v.length; i++) yield* smaller(v[i], path.concat(i));
  } else if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      if (path.includes('context') || k === 'conditions' || k === 'sid') yield (root) => { delete get(root, path)[k]; };
      if (k === 'parentId' && v[k] !== null) yield (root) => { get(root, path)[k] = null; };
      yield* smaller(v[k], path.concat(k));
    }
  }
}
const get = (root, path) => path.reduce((o, k) => o[k], root);

async function fails(side, c, kind) {
  try {
    return (await compare(side, c)).some((p) => p.kind === kind);
  } catch {
    return false;
  }
}

export async function shrink(side, c, problem) {
  c = structuredClone(c);
  if (problem.request !== undefined) c.requests = [c.requests[problem.request]];
  for (let changed = true; changed;) {
    changed = false;
    for (const edit of smaller(c)) {
      const candidate = structuredClone(c);
      edit(candidate);
      if (candidate.requests.length && (await fails(side, candidate, problem.kind))) {
        c = candidate;
        changed = true;
        break;
      }
    }
  }
  return c;
}

async function main() {
  const a = args();
  const bin = a.side === 'http' ? a.bin : a.driver;
  if (!existsSync(bin)) throw new Error(`no binary at ${bin}: build the project first`);
  const side = a.side === 'http' ? await httpSide(bin) : driverSide(bin);
  const t0 = Date.now();
  let requests = 0, cases = 0, allowed = 0, scheduled = 0, next = 0;
  // Up to `parallel` cases in flight (the server works while Cedar decides);
  // results are taken in case order, so the first mismatch is the same.
  const window = [];
  try {
    while (scheduled < a.requests || window.length) {
      while (window.length < (a.parallel ?? 4) && scheduled < a.requests) {
        const i = next++;
        const c = genCase(a.seed * 1000003 + i);
        scheduled += c.requests.length;
        window.push({ i, c, problems: compare(side, c).then((p) => ({ p }), (err) => ({ err })) });
      }
      const { i, c, problems: pending } = window.shift();
      const { p: problems, err } = await pending;
      if (err) throw err;
      if (process.env.DIFF_TRACE) console.error(i, problems.length);
      cases++;
      requests += c.requests.length;
      if (problems.length) {
        await Promise.allSettled(window.map((w) => w.problems));
        const small = await shrink(side, c, problems[0]);
        console.error(`MISMATCH (seed ${a.seed}, case ${i}): ${problems[0].kind}`);
        console.error(JSON.stringify(await compare(side, small), null, 1).slice(0, 4000));
        console.error('minimal case:\n' + JSON.stringify(small, null, 1));
        console.error('cedar text:\n' + (await side.run(side.prepare ? await side.prepare(small) : small)).cedar);
        console.log('0 passed, 1 failed');
        process.exitCode = 1;
        return;
      }
      allowed += problems.allowed;
    }
  } finally {
    await side.close();
  }
  const secs = (Date.now() - t0) / 1000;
  console.log(`authz-diff: ${requests} requests in ${cases} tenants agree with Cedar ${cedarVersion} ` +
    `(${allowed} allowed) in ${secs.toFixed(1)} s, seed ${a.seed}`);
  console.log(`${requests} passed, 0 failed`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
