// Loaded with `node --require` into each command that bench/embedded.mjs times: at exit it writes the
// process's peak RSS (getrusage, what /usr/bin/time -v calls "Maximum resident set size") and when the
// phases of an embedded run ended, to the file named by PGSHIFT_BENCH_PROBE_OUT. The phases come from
// wrapping PGlite's module as it is first required: until then it is Node's start and the CLI's own
// modules; then PGlite.create (the WASM runtime, the file system bundle, initdb or the data dir, the
// backend's start); then the command's queries; then close (the shutdown checkpoint).
'use strict';
const { writeFileSync } = require('node:fs');
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

const out = process.env.PGSHIFT_BENCH_PROBE_OUT;
const marks = {};
const mark = (name) => {
  marks[name] ??= performance.now();
};

const load = Module._load;
Module._load = function (request, ...rest) {
  const exports = load.call(this, request, ...rest);
  if (request === '@electric-sql/pglite' && exports.PGlite && !exports.PGlite.__probed) {
    mark('pgliteRequired');
    const { PGlite } = exports;
    const create = PGlite.create;
    let creating = false;
    PGlite.create = async function (...args) {
      // initdb runs in a second PGlite that create makes itself: time the outer call only
      if (creating) return create.apply(this, args);
      creating = true;
      mark('createStart');
      const db = await create.apply(this, args).finally(() => (creating = false));
      mark('createEnd');
      const close = db.close;
      db.close = async function () {
        mark('closeStart');
        try {
          return await close.call(this);
        } finally {
          mark('closeEnd');
        }
      };
      return db;
    };
    PGlite.__probed = true;
  }
  return exports;
};

process.on('exit', () => {
  mark('exit');
  if (out) writeFileSync(out, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, marks }));
});
