// fakeidp.mjs - a small hand-made provider for the OAuth tests: OIDC
// discovery, a JWKS, a token endpoint whose answer each test chooses (so it
// can hand out expired, wrongly signed or wrongly addressed ID tokens), and a
// GitHub-style user API. Every request is recorded.
import http from 'node:http';
import crypto from 'node:crypto';

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export function signJwt(header, claims, key) {
  const input = `${b64(header)}.${b64(claims)}`;
  let sig;
  if (header.alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key);
  else if (header.alg === 'ES256') sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else if (header.alg === 'HS256') sig = crypto.createHmac('sha256', key).update(input).digest();
  else sig = Buffer.alloc(0);
  return `${input}.${sig.toString('base64url')}`;
}

export async function startFakeIdp({ authMethods = ['client_secret_post', 'client_secret_basic'] } = {}) {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = (k, kid) => ({ ...k.publicKey.export({ format: 'jwk' }), kid, use: 'sig' });
  const state = {
    jwks: { keys: [pub(rsa, 'r1'), pub(ec, 'e1')] },
    token: () => ({ status: 500, body: {} }),
    user: { id: 4242, name: 'Octo Cat', login: 'octocat' },
    emails: [{ email: 'octo@gh.test', primary: true, verified: true }],
    userStatus: 200,
  };
  const requests = [];
  const counts = { jwks: 0, discovery: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const rec = { method: req.method, path: req.url, headers: req.headers, body, form: Object.fromEntries(new URLSearchParams(body)) };
      requests.push(rec);
      const send = (status, obj) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
      const base = `http://127.0.0.1:${server.address().port}`;
      if (req.url === '/.well-known/openid-configuration') {
        counts.discovery++;
        return send(200, { issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`,
          jwks_uri: `${base}/jwks`, token_endpoint_auth_methods_supported: authMethods });
      }
      if (req.url === '/jwks') { counts.jwks++; return send(200, state.jwks); }
      if (req.url === '/token' && req.method === 'POST') { const t = state.token(rec); return send(t.status, t.body); }
      if (req.url === '/user') return send(state.userStatus, state.user);
      if (req.url === '/user/emails') return send(200, state.emails);
      send(404, { error: 'not_found' });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, rsa, ec, state, requests, counts, stop: () => { server.closeAllConnections?.(); server.close(); } };
}
