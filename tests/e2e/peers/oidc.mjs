// oidc.mjs - a real OpenID provider (npm oidc-provider) on loopback for the
// OAuth tests, and a browser stand-in that walks its authorization-code flow:
// follow the redirects, sign in and consent through the provider's own
// interaction endpoints, and stop at the application's redirect URI.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

export function makeKeys() {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = (k, kid, alg) => ({ ...k.export({ format: 'jwk' }), kid, alg, use: 'sig' });
  return {
    rsa, ec,
    privateJwks: { keys: [jwk(rsa.privateKey, 'rsa-1', 'RS256'), jwk(ec.privateKey, 'ec-1', 'ES256')] },
  };
}

// accounts: { id: { email, email_verified, given_name, family_name, name } }
// clients: oidc-provider client metadata
export async function startOidc({ accounts, clients, clientAuthMethods }) {
  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const keys = makeKeys();
  const provider = new Provider(issuer, {
    clients,
    jwks: keys.privateJwks,
    clientAuthMethods: clientAuthMethods || ['client_secret_basic', 'client_secret_post'],
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name', 'name'] },
    cookies: { keys: ['authrs-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const a = accounts[id];
      if (!a) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...a }) };
    },
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider', err));
  server.on('request', provider.callback());
  return { issuer, provider, keys, stop: () => { server.closeAllConnections?.(); server.close(); } };
}

// Walks from the authorization URL to the redirect URI as `account`; returns
// the final redirect URL (with code, state).
export async function signIn(authorizeUrl, redirectPrefix, account) {
  const jar = new Map();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  let url = authorizeUrl;
  for (let hops = 0; hops < 20; hops++) {
    if (url.startsWith(redirectPrefix)) return url;
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader() } });
    keep(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location'), url).toString();
      continue;
    }
    const html = await res.text();
    if (res.status !== 200 || !/\/interaction\//.test(url)) throw new Error(`unexpected ${res.status} at ${url}: ${html.slice(0, 300)}`);
    const body = /name="login"/.test(html)
      ? new URLSearchParams({ prompt: 'login', login: account, password: 'any' })
      : new URLSearchParams({ prompt: 'consent' });
    const post = await fetch(url, { method: 'POST', redirect: 'manual', body, headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' } });
    keep(post);
    if (post.status < 300 || post.status >= 400) throw new Error(`interaction answered ${post.status}: ${(await post.text()).slice(0, 300)}`);
    url = new URL(post.headers.get('location'), url).toString();
  }
  throw new Error('too many redirects');
}
