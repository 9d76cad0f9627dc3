// authz_http.mjs - POST /admin/permissions/check requests/s over HTTP on the
// bench case of tests/authz-diff/bench.mjs (1,000 documents, a member with 5
// roles in 3 levels and 2 groups), built in a fresh server through the API.
// Requests rotate over the case's 200 (action, resource, context) triples.
//
//   node bench/authz_http.mjs [--seconds N] [--connections N]   (needs wrk)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCase } from '../tests/authz-diff/bench.mjs';
import { httpSide } from '../tests/authz-diff/sides.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (k, d) => (argv.includes(`--${k}`) ? argv[argv.indexOf(`--${k}`) + 1] : d);
const bin = process.env.AUTHRS_BIN || path.resolve(here, '../build/authrs');
const seconds = Number(opt('seconds', 10));
const connections = Number(opt('connections', 32));

const side = await httpSide(bin);
const dir = mkdtempSync(path.join(os.tmpdir(), 'authz-bench-'));
try {
  const t0 = performance.now();
  const c = await side.prepare(benchCase());
  const built = (performance.now() - t0) / 1000;
  const bodies = c.requests.map((q) => JSON.stringify({ userId: q.userId, action: q.action, resource: q.resource, context: q.context }));
  const first = await side.run({ ...c, requests: c.requests.slice(0, 1), tenant: { ...c.tenant, permissions: [] } });
  if (!first.ok) throw new Error('check failed');
  writeFileSync(path.join(dir, 'check.lua'), `
local bodies = {${bodies.map((b) => JSON.stringify(b)).join(',\n')}}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant-ID"] = "${c.tenantId}"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/admin/permissions/check", nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f\\n", summary.requests, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end`);
  const url = side.baseUrl;
  const r = spawnSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '-s', path.join(dir, 'check.lua'), url], { encoding: 'utf8' });
  const m = /RESULT (\d+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk: ${r.stdout} ${r.stderr}`);
  const [, n, errors, p50, p99] = m;
  console.log(`tenant built through the API in ${built.toFixed(1)} s (1,000 documents, 50 roles, 2 groups)`);
  console.log(`POST /admin/permissions/check: ${Math.round(n / seconds).toLocaleString('en')} requests/s, ` +
    `p50 ${p50} ms, p99 ${p99} ms, non-2xx ${errors} (${connections} connections, ${seconds} s, ADMIN_AUTH=off)`);
  if (Number(errors)) process.exitCode = 1;
} finally {
  await side.close();
  rmSync(dir, { recursive: true, force: true });
}
