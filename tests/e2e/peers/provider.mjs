// provider.mjs - a local HTTP server that plays the Twilio-compatible SMS API
// and the WhatsApp Cloud API for the OTP tests. It records every request
// (method, path, headers, raw body, parsed fields) and answers according to
// its mode: 'ok' (2xx), 'fail' (500) or 'hang' (never answers).
import http from 'node:http';

export async function startProvider() {
  const requests = [];
  const waiters = [];
  const hung = [];
  const state = { mode: 'ok' };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const ct = req.headers['content-type'] || '';
      let fields;
      if (ct.startsWith('application/x-www-form-urlencoded')) fields = Object.fromEntries(new URLSearchParams(body));
      else if (ct.startsWith('application/json')) { try { fields = JSON.parse(body); } catch { fields = undefined; } }
      const rec = { method: req.method, path: req.url, headers: req.headers, body, fields, mode: state.mode };
      requests.push(rec);
      for (const w of waiters.splice(0)) w();
      if (state.mode === 'hang') { hung.push(res); return; }
      const status = state.mode === 'fail' ? 500 : req.url.includes('/Messages.json') ? 201 : 200;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(status >= 400 ? '{"error":"boom"}' : '{"sid":"SM1","messages":[{"id":"wamid.1"}]}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const waitFor = async (pred, ms = 10000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = requests.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error('no matching provider request');
      await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
    }
  };
  return {
    port, base: `http://127.0.0.1:${port}`, requests, waitFor, state,
    stop: () => { for (const r of hung) r.destroy(); server.closeAllConnections?.(); server.close(); },
  };
}
