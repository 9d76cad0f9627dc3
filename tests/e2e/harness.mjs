// harness.mjs - starts a real build/authrs on a free port with a fresh
// temporary database, runs its CLI, and hands out clients.
//   const srv = await startServer({ env })  -> { baseUrl, port, dbPath, dir, cli, stop }
//   client(srv, tenantId)                    -> AuthrsClient (the real npm client)
//   raw(srv, method, path, { headers, body }) -> { status, headers, text, json }
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthrsClient } from '@kaushik91/authrs-client';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.AUTHRS_BIN || path.resolve(here, '../../build/authrs');

// Fast hashing in tests; everything else at its default.
const BASE_ENV = { ARGON2_M_KIB: '8192', ARGON2_T: '1', LOG_LEVEL: 'warn' };

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function cleanEnv(extra) {
  const env = { ...process.env, ...BASE_ENV, ...extra };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

// With AUTHRS_TEST_PG_URL (a postgres:// URL of a server, e.g. from
// scripts/pg.sh), every server gets a fresh PostgreSQL database instead of a
// SQLite file.
const PG_URL = process.env.AUTHRS_TEST_PG_URL;
const KV_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

function freshDatabaseUrl(dir) {
  if (!PG_URL) return `sqlite:${path.join(dir, 'authrs.db')}`;
  const name = `e2e_${path.basename(dir).replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
  const r = spawnSync('psql', [PG_URL, '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot create database: ${r.stderr}`);
  const [base, query] = PG_URL.split('?');
  return base.replace(/\/[^/]*$/, `/${name}`) + (query ? `?${query}` : '');
}

export async function startServer({ env = {}, dir } = {}) {
  dir = dir || mkdtempSync(path.join(os.tmpdir(), 'authrs-e2e-'));
  const port = await freePort();
  const dbPath = path.join(dir, 'authrs.db');
  const fullEnv = cleanEnv({
    DATABASE_URL: freshDatabaseUrl(dir),
    ...(PG_URL ? { KV_STORE_ENCRYPTION_KEY: KV_KEY } : {}),
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: String(port),
    ...env,
  });
  const cli = (args, opts = {}) => {
    const r = spawnSync(BIN, args, { cwd: dir, env: { ...fullEnv, ...(opts.env || {}) }, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const child = spawn(BIN, ['serve'], { cwd: dir, env: fullEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 1e6) stderr = stderr.slice(-5e5); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null) throw new Error(`authrs exited early: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`authrs did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async ({ keepDir = false } = {}) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const result = await exited;
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
    return result;
  };
  return { baseUrl, port, dbPath, databaseUrl: fullEnv.DATABASE_URL, dir, cli, stop, child, logs: () => stderr };
}

// Runs SQL directly against a server's database (SQLite file or PostgreSQL);
// returns the rows as text, one per line, columns separated by '|'.
export function sql(srv, statement) {
  const pg = srv.databaseUrl.startsWith('postgres');
  const r = pg
    ? spawnSync('psql', [srv.databaseUrl, '-AtXq', '-v', 'ON_ERROR_STOP=1', '-c', statement], { encoding: 'utf8' })
    : spawnSync('sqlite3', ['-cmd', '.timeout 5000', srv.dbPath, statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sql: ${r.stderr}`);
  return r.stdout.trim();
}

export function client(srv, tenantId) {
  return new AuthrsClient({ baseUrl: srv.baseUrl, tenantId });
}

export async function raw(srv, method, p, { headers = {}, body } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!Object.keys(init.headers).some((h) => h.toLowerCase() === 'content-type'))
      init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(srv.baseUrl + p, init);
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json };
}

// Sends bytes exactly as given over a fresh socket; resolves with the raw answer.
export function rawSocket(srv, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve({ data, timedOut: true }); }, timeoutMs);
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('error', (e) => { clearTimeout(timer); if (data) resolve({ data }); else reject(e); });
    sock.on('close', () => { clearTimeout(timer); resolve({ data }); });
    sock.write(bytes);
  });
}

// The status code of a raw HTTP answer.
export function statusOf(rawAnswer) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(rawAnswer);
  return m ? Number(m[1]) : 0;
}
