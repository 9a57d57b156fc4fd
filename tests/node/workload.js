// workload.js - small CPU + allocation workload with recognisable function names (copied from the
// shared fixtures' tools, so SDK tests profile the same code the captured fixtures did).
'use strict';
const crypto = require('crypto');

function fibonacci(n) { return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2); }

function hashChain(rounds) {
  let h = Buffer.from('seed');
  for (let i = 0; i < rounds; i++) h = crypto.createHash('sha256').update(h).digest();
  return h;
}

const retained = [];
function allocateRecords(n) {
  for (let i = 0; i < n; i++) {
    const rec = { id: i, name: 'record-' + i, payload: new Array(64).fill(i), tags: { a: String(i), b: 'x'.repeat(i % 50) } };
    if (i % 10 === 0) retained.push(rec);
  }
  if (retained.length > 20000) retained.splice(0, 10000);
}

function buildJson(n) {
  const arr = [];
  for (let i = 0; i < n; i++) arr.push({ k: i, v: 'value' + i });
  return JSON.stringify(arr).length;
}

// One "tick" of work, then yield to the event loop (so timers/flushes still run).
function workTick() {
  fibonacci(22);
  hashChain(200);
  allocateRecords(2000);
  buildJson(500);
}

function runFor(ms, done) {
  const end = Date.now() + ms;
  (function loop() {
    workTick();
    if (Date.now() < end) setImmediate(loop); else if (done) done();
  })();
}

module.exports = { runFor, workTick, fibonacci, hashChain, allocateRecords, buildJson };
