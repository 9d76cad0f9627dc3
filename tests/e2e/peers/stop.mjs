// stop.mjs - stops a test server and fails when a sanitizer (ASan, LSan,
// UBSan builds) reported anything on its stderr, exit-time leaks included.
import assert from 'node:assert/strict';

export async function stopChecked(srv) {
  if (!srv) return;
  await srv.stop();
  await new Promise((r) => setTimeout(r, 200)); // let the last stderr bytes arrive
  assert.doesNotMatch(srv.logs(), /AddressSanitizer|LeakSanitizer|runtime error:/);
}
