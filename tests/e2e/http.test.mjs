// http.test.mjs - the HTTP/1.1 layer (src/http/server.c) on raw sockets:
// keep-alive and pipelining, requests split into single bytes, HEAD,
// HTTP/1.0, Expect: 100-continue, request-smuggling shapes, idle timeouts,
// many connections at once, and slow routes answered in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, rawSocket, statusOf } from './harness.mjs';

let srv;
before(async () => {
  srv = await startServer({ env: { HTTP_IDLE_TIMEOUT_SECONDS: '1', RATE_LIMITS_ENABLED: 'false' } });
  assert.equal(srv.cli(['tenant', 'create', 'acme']).code, 0);
});
after(async () => { await srv.stop(); });

// Splits a raw byte stream into complete responses (status, headers, body);
// bodies are delimited by Content-Length (1xx and 204 have none).
function parseResponses(data, { head = false } = {}) {
  const out = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const lines = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0])?.[1] || 0);
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = status < 200 || status === 204 || head ? 0 : Number(headers['content-length'] || 0);
    if (rest.length < end + 4 + len) break;
    out.push({ status, headers, body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

// A conversation on one socket: writes each chunk (after delayMs), waits until
// `responses` complete answers arrived, the server closed, or the timeout.
function converse(chunks, { responses = 1, delayMs = 0, timeoutMs = 5000, head = false, end = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    let closed = false;
    const done = () => { clearTimeout(timer); sock.destroy(); resolve({ data, closed, answers: parseResponses(data, { head }) }); };
    const timer = setTimeout(done, timeoutMs);
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (parseResponses(data, { head }).length >= responses) done();
    });
    sock.on('error', (e) => { if (data) done(); else { clearTimeout(timer); reject(e); } });
    sock.on('close', () => { closed = true; done(); });
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        if (!sock.destroyed) sock.write(c);
      }
      if (end && !sock.destroyed) sock.end(); /* half-close: the server answers, then closes */
    });
  });
}

const GET = (p, extra = '') => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

test('keep-alive and pipelining: answers come back in order on one connection', async () => {
  const r = await converse([GET('/health') + GET('/nothing') + GET('/health', 'X-Request-ID: third\r\n')], { responses: 3 });
  assert.deepEqual(r.answers.map((a) => a.status), [200, 404, 200]);
  assert.equal(JSON.parse(r.answers[1].body).error, 'not_found');
  assert.equal(r.answers[2].headers['x-request-id'], 'third');
  assert.ok(!r.closed);
});

test('a request written one byte at a time is parsed the same', async () => {
  const req = 'POST /forgot-password HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{"email":"a@b.example"}';
  const bytes = [...req.slice(0, -1)].concat(req.slice(-1));
  const r = await converse(bytes, { delayMs: 1, timeoutMs: 15000 });
  assert.equal(r.answers.length, 1, r.data);
  assert.ok([200, 400, 422].includes(r.answers[0].status), r.data);
  assert.equal(r.answers[0].headers['content-type'], 'application/json');
});

test('a slow route pipelined before a fast one is answered first', async () => {
  const body = JSON.stringify({ email: 'nobody@example.com', password: 'Wrong-password-1' });
  const login = `POST /login/email-password HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const r = await converse([login + GET('/health')], { responses: 2, timeoutMs: 10000 });
  assert.deepEqual(r.answers.map((a) => a.status), [401, 200]);
});

test('HEAD answers the GET headers without a body', async () => {
  const r = await converse([`HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n` + GET('/health')], { responses: 2, head: false });
  // The HEAD answer has a Content-Length but no body: the GET answer follows at once.
  const first = r.data.indexOf('HTTP/1.1 200');
  const second = r.data.indexOf('HTTP/1.1 200', first + 1);
  assert.ok(second > 0, r.data);
  const headPart = r.data.slice(first, second);
  assert.match(headPart, /Content-Length: \d+/);
  assert.ok(headPart.endsWith('\r\n\r\n'), JSON.stringify(headPart));
});

test('HTTP/1.0: closed after the answer unless keep-alive is asked for', async () => {
  const plain = await converse(['GET /health HTTP/1.0\r\n\r\n'], { responses: 2, timeoutMs: 3000 });
  assert.equal(plain.answers[0].status, 200);
  assert.equal(plain.answers[0].headers.connection, 'close');
  assert.ok(plain.closed);
  const ka = await converse(['GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.0\r\n\r\n'], { responses: 2 });
  assert.deepEqual(ka.answers.map((a) => a.status), [200, 200]);
  assert.equal(ka.answers[0].headers.connection, 'keep-alive');
});

test('Connection: close is honoured', async () => {
  const r = await converse([GET('/health', 'Connection: close\r\n') + GET('/health')], { responses: 2, timeoutMs: 3000 });
  assert.equal(r.answers.length, 1);
  assert.equal(r.answers[0].headers.connection, 'close');
  assert.ok(r.closed);
});

test('Expect: 100-continue gets the interim answer before the body is sent', async () => {
  const body = '{"email":"someone@example.com"}';
  const headers = `POST /forgot-password HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`;
  const r = await new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    let sentBody = false;
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (!sentBody && data.includes('HTTP/1.1 100 Continue\r\n\r\n')) { sentBody = true; sock.write(body); }
      if (parseResponses(data).some((a) => a.status >= 200)) { sock.destroy(); resolve(data); }
    });
    sock.on('connect', () => sock.write(headers));
    setTimeout(() => { sock.destroy(); resolve(data); }, 5000);
  });
  assert.ok(r.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), r);
  assert.equal(parseResponses(r).find((a) => a.status >= 200).status, 200);
});

test('request-smuggling shapes are refused with 400 and a close', async () => {
  const shapes = [
    'POST /forgot-password HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /forgot-password HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    'POST /forgot-password HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
    'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
    'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n',
    'GET /hea lth HTTP/1.1\r\nHost: x\r\n\r\n',
  ];
  for (const s of shapes) {
    const r = await rawSocket(srv, s, { timeoutMs: 3000 });
    assert.equal(statusOf(r.data), 400, `${JSON.stringify(s.slice(0, 60))} -> ${r.data.slice(0, 80)}`);
    assert.match(r.data, /Connection: close/);
    assert.ok(!r.timedOut, 'connection closed after the 400');
  }
  const v = await rawSocket(srv, 'GET /health HTTP/2.0\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
  assert.equal(statusOf(v.data), 505);
});

test('idle and half-sent connections are closed after HTTP_IDLE_TIMEOUT_SECONDS', async () => {
  const t0 = Date.now();
  const idle = await converse([], { responses: 1, timeoutMs: 8000 });
  assert.ok(idle.closed && Date.now() - t0 < 7000, 'idle connection closed');
  const t1 = Date.now();
  const partial = await converse(['GET /health HTTP/1.1\r\nHost: x\r\n'], { responses: 1, timeoutMs: 8000 });
  assert.ok(partial.closed && Date.now() - t1 < 7000, 'half-sent request closed');
  assert.equal(partial.answers.length, 0);
});

test('300 connections at once, each with two requests', async () => {
  const jobs = [];
  for (let i = 0; i < 300; i++) jobs.push(converse([GET('/health') + GET('/health')], { responses: 2, timeoutMs: 15000 }));
  const all = await Promise.all(jobs);
  for (const r of all) assert.deepEqual(r.answers.map((a) => a.status), [200, 200]);
});

test('seeded byte mutations of valid requests: no crash, no 5xx, server healthy', async () => {
  let seed = 20261127;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const body = '{"email":"someone@example.com"}';
  const bases = [
    GET('/health') + GET('/session/validate', 'Authorization: Bearer abc\r\n'),
    `POST /forgot-password HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    `POST /forgot-password HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
  ];
  const stats = { answers: 0, closed: 0 };
  const alphabet = ['\r', '\n', ' ', ':', '\x00', '\xff', '0', 'f', '-', '/', '%', '?', 'A'];
  for (let i = 0; i < 150; i++) {
    const chars = [...bases[i % bases.length]];
    const edits = 1 + rnd(4);
    for (let k = 0; k < edits; k++) {
      const at = rnd(chars.length);
      const op = rnd(3);
      if (op === 0) chars[at] = alphabet[rnd(alphabet.length)];
      else if (op === 1) chars.splice(at, 0, alphabet[rnd(alphabet.length)]);
      else chars.splice(at, 1);
    }
    const bytes = Buffer.from(chars.join(''), 'latin1');
    const cut = rnd(3) === 0 ? rnd(bytes.length) : bytes.length;
    const r = await converse([bytes.subarray(0, cut), bytes.subarray(cut)], { responses: 3, timeoutMs: 3000, end: true });
    for (const a of r.answers) assert.ok(a.status >= 100 && (a.status < 500 || a.status === 505), `mutation ${i}: ${a.status}`);
    if (r.data) assert.match(r.data, /^HTTP\/1\.1 \d{3} /, `mutation ${i}`);
    stats.answers += r.answers.length; stats.closed += r.closed ? 1 : 0;
  }
  assert.ok(stats.answers > 100 && stats.closed > 140, JSON.stringify(stats));
  const h = await converse([GET('/health')]);
  assert.equal(h.answers[0].status, 200);
});
