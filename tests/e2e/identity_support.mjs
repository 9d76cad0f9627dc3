// identity_support.mjs - helpers of the identity and session suites: a real
// SMTP server (python3-aiosmtpd, smtp_sink.py), direct SQL on the server's
// SQLite file for states no route can produce yet (archive, access validity,
// tenant KV), and tenant setup through the CLI.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { freePort } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PW = 'Correct-Horse-9';

export async function startSmtp() {
  const port = await freePort();
  const child = spawn('/usr/bin/python3', [path.join(here, 'smtp_sink.py'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const mails = [];
  const waiters = [];
  const rl = readline.createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`smtp sink exited ${code}`)));
    rl.on('line', (line) => {
      if (line === 'READY') return resolve();
      const mail = JSON.parse(line);
      mails.push(mail);
      for (const w of waiters.splice(0)) w();
    });
  });
  const waitFor = async (pred, ms = 10000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = mails.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error('no matching mail');
      await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
    }
  };
  return {
    port, mails, waitFor,
    env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_FROM: 'Authrs <no-reply@authrs.test>', SMTP_TLS: 'none' },
    stop: () => child.kill('SIGTERM'),
  };
}

export { sql } from './harness.mjs';
import { sql } from './harness.mjs';

// A write other processes must see: bumps the cache epoch and waits for the poll.
export async function sqlChange(srv, statement) {
  sql(srv, `${statement}; UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'cache_epoch';`);
  await new Promise((r) => setTimeout(r, 700));
}

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

export async function setKv(srv, tenant, group, key, value) {
  await sqlChange(srv, `INSERT INTO kv_store (tenant_id, group_key, key, value, encrypted, updated_at)
    VALUES (${q(tenant)}, ${q(group)}, ${q(key)}, ${q(typeof value === 'string' ? value : JSON.stringify(value))}, 0, 0)
    ON CONFLICT (tenant_id, group_key, key) DO UPDATE SET value = excluded.value`);
}

export function mkTenant(srv, id, email = 'admin@x.io', password = PW) {
  const r = srv.cli(['tenant', 'create', id, '--admin-email', email, '--admin-password', password]);
  assert.equal(r.code, 0, r.stderr);
}

export function membershipWhere(srv, tenant, email) {
  return `(SELECT m.id FROM memberships m JOIN identities i ON i.id = m.identity_id
           WHERE m.tenant_id = ${q(tenant)} AND i.email_norm = lower(${q(email)}))`;
}

export function identityWhere(email) {
  return `(SELECT id FROM identities WHERE email_norm = lower(${q(email)}))`;
}

// Expects the promise to fail with an AuthrsError of this status and message.
export async function rejects(promise, status, message) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.status, status, JSON.stringify(e.body));
    if (message) assert.equal(e.body.message, message);
    return e;
  }
  assert.fail(`expected ${status} ${message}`);
}

export { q };
