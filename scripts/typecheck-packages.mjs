#!/usr/bin/env node
// `npm run typecheck:packages`: each package's own TypeScript configs — packages/<p>/tsconfig.json (the browser-safe
// entry points: no Node types, no DOM) and packages/<p>/tsconfig.node.json (the Node-only `/node` entry: Node's
// types, no DOM) — checked with `tsc --noEmit -p`, two at a time. Exits non-zero when any of them fails.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const configs = readdirSync(path.join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => ['tsconfig.json', 'tsconfig.node.json'].map((f) => path.join('packages', d.name, f)))
  .filter((f) => existsSync(path.join(root, f)));

/** Runs tsc on one config; resolves to its exit status and output. */
function check(config) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '--noEmit', '-p', config], { cwd: root });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ config, code: code ?? 1, output }));
  });
}

const queue = [...configs];
const results = [];
await Promise.all(
  [0, 1].map(async () => {
    for (let config = queue.shift(); config; config = queue.shift()) {
      const r = await check(config);
      console.log(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.config}`);
      if (r.code !== 0) process.stdout.write(r.output);
      results.push(r);
    }
  }),
);
const failed = results.filter((r) => r.code !== 0).length;
console.log(`package type checks: ${results.length - failed} of ${results.length} passed`);
process.exit(failed ? 1 : 0);
