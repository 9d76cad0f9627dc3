// The enrolment QR code (API.md 3.10) read back by an independent decoder
// (npm jsqr): the SVG's modules are painted into a bitmap, jsQR must find the
// otpauth URI in it, and the symbol carries its 4-module quiet zone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startServer, client } from './harness.mjs';
import { stopChecked } from './peers/stop.mjs';
import { PW, mkTenant } from './identity_support.mjs';

const require = createRequire(import.meta.url);
let jsQR = null;
try { jsQR = require('jsqr'); } catch { /* devDependency not installed */ }

let srv;
before(async () => { srv = await startServer(); mkTenant(srv, 'acme'); });
after(async () => { await stopChecked(srv); });

// Paints the dark modules (path commands "M x y h n v1 h-n z") at `scale`
// pixels per module into an RGBA bitmap.
function paint(svg, scale = 4) {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)[1]);
  const px = size * scale;
  const data = new Uint8ClampedArray(px * px * 4).fill(255);
  const d = /<path[^>]* d="([^"]*)"/.exec(svg)[1];
  let dark = [];
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    const [x, y, n] = [Number(m[1]), Number(m[2]), Number(m[3])];
    dark.push([x, y, n]);
    for (let yy = y * scale; yy < (y + 1) * scale; yy++)
      for (let xx = x * scale; xx < (x + n) * scale; xx++) data.fill(0, (yy * px + xx) * 4, (yy * px + xx) * 4 + 3);
  }
  assert.equal(d.replace(/M\d+ \d+h(\d+)v1h-\1z/g, ''), '', 'only module runs in the path');
  return { size, px, data, dark };
}

test('the QR SVG decodes to the otpauth URI', { skip: !jsQR && 'needs the devDependency jsqr 1.4.0' }, async () => {
  const c = client(srv, 'acme');
  await c.signup('Quinn', 'R', 'quinn.r+qr@example.com', PW, PW);
  const tok = (await c.loginEmailPassword('quinn.r+qr@example.com', PW)).sessionToken;
  const en = await c.enableMfa(tok);
  const { size, px, data, dark } = paint(en.qrSvg);
  // quiet zone: nothing dark within 4 modules of the edge
  for (const [x, y, n] of dark) assert.ok(x >= 4 && y >= 4 && x + n <= size - 4 && y < size - 4);
  const found = jsQR(data, px, px);
  assert.ok(found, 'jsQR found a code');
  assert.equal(found.data, en.otpauthUri);
});
