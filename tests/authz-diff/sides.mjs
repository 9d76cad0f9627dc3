// sides.mjs - the authrs side of the differential test, pluggable.
//
// A side is {name, run(testCase) -> Promise<result>, close()}, where result is
//   {ok:true, cedar:<policy text>, results:[{allowed, matched, entities?}]}
// or {ok:false, status, message} when authrs refuses a document. `entities`
// may be left out (the runner then builds them itself, cedar.mjs); the HTTP
// side (POST /admin/permissions/check, GET /admin/permissions/{id}?format=cedar)
// fits the same shape.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// The C driver (tests/tools/authz_oracle_driver.c): one JSON line per case.
export function driverSide(binary) {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift().resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`driver exited with ${code}`));
  });
  return {
    name: `driver ${binary}`,
    run(testCase) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(JSON.stringify(testCase) + '\n');
      });
    },
    close() {
      child.stdin.end();
    },
  };
}
