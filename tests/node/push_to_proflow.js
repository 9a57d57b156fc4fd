// push_to_proflow.js — a busy Node process pushing profiles with the real @pyroscope/nodejs SDK, for
// tests/integration/test_pyroscope_receiver_sdk.py. Every request the SDK sends is also written to
// <recordDir> (req-N.body, req-N.json with url, headers and the answer's status), so the test knows
// exactly what the SDK sent. The SDK posts with the global fetch, which is wrapped here.
// Usage: node push_to_proflow.js <serverAddress> <seconds> <recordDir>
'use strict';
const fs = require('fs');
const path = require('path');

const [serverAddress, secondsArg, recordDir] = process.argv.slice(2);
const realFetch = globalThis.fetch;
let seq = 0;
globalThis.fetch = async (url, init) => {
  const n = ++seq;
  const body = Buffer.from(await new Response(init.body).arrayBuffer());
  fs.writeFileSync(path.join(recordDir, `req-${n}.body`), body);
  const res = await realFetch(url, { ...init, body });
  const headers = Object.fromEntries(new Headers(init.headers || {}).entries());
  fs.writeFileSync(path.join(recordDir, `req-${n}.json`),
    JSON.stringify({ url: String(url), headers, status: res.status, answer: await res.clone().text() }));
  return res;
};

const Pyroscope = require('@pyroscope/nodejs');
const { workTick } = require('./workload');

Pyroscope.init({
  serverAddress,
  appName: 'sdk-app',
  tags: { env: 'ci', team: 'profiling' },
  flushIntervalMs: 2000,
  tenantID: 'sdk-tenant',
});
Pyroscope.start();

let i = 0;
const end = Date.now() + Number(secondsArg) * 1000;
(function loop() {
  if (i++ % 3 === 0) Pyroscope.wrapWithLabels({ endpoint: '/checkout', vehicle: 'car' }, workTick);
  else workTick();
  if (Date.now() < end) setImmediate(loop);
  else Pyroscope.stop().then(() => console.log(`stopped after ${seq} requests`));
})();
