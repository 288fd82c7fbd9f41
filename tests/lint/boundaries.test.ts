/**
 * The boundary rules of eslint.config.mjs, run through ESLint with the repository's own config on code placed (by
 * path) where it would break them — and where the same code is allowed.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

/** The rule ids ESLint reports for `code` as if it were the file at `file` (relative to the repository root). */
async function rulesBroken(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('lint: app/ and packages/ never import from server/', () => {
  it('rejects the browser worker importing the server job runner (as it once did), accepts @convlab/engine', async () => {
    expect(await rulesBroken('app/_lib/compute/compute.worker.ts', "import { runJob } from '../../../server/compute/job-runner';\n")).toEqual(['no-restricted-imports']);
    expect(await rulesBroken('app/teach/page.tsx', "import { loadConfig } from '@/server/config';\n")).toEqual(['no-restricted-imports']);
    expect(await rulesBroken('app/_lib/compute/compute.worker.ts', "import { runJob } from '@convlab/engine';\n")).toEqual([]);
  });

  it('rejects packages importing server/ or app/, even from their Node-only files', async () => {
    expect(await rulesBroken('packages/nets/src/node.ts', "export * from '../../../server/compute/pool';\n")).toEqual(['no-restricted-imports']);
    expect(await rulesBroken('packages/labs/src/x.ts', "import { API } from '../../../app/_lib/api';\n")).toEqual(['no-restricted-imports']);
  });
});

describe('lint: browser-safe entry points stay free of Node and of the DOM', () => {
  it.each([
    ["import { readFile } from 'node:fs/promises';", 'a node: module'],
    ["import path from 'path';", 'a bare built-in'],
    ["import { Worker } from 'worker_threads';", 'worker_threads'],
    ["import sharp from 'sharp';", 'a native Node library'],
    ["import { loadModelSpec } from '@convlab/nets/node';", "another package's /node entry"],
    ["import { useBackend } from '@convlab/nets/testing/backends';", "another package's /testing entry"],
    ["export * from './image-files';", 'a Node-only file of its own package'],
    ["export { encodePng } from './node';", 'its own /node entry'],
  ])('rejects %s (%s)', async (code) => {
    expect(await rulesBroken('packages/vis/src/new-algorithm.ts', `${code}\n`)).toContain('no-restricted-imports');
  });

  it('rejects dynamic imports of Node modules and DOM-only globals', async () => {
    expect(await rulesBroken('packages/engine/src/x.ts', "export const fs = () => import('node:fs');\n")).toEqual(['no-restricted-syntax']);
    expect(await rulesBroken('packages/nets/src/x.ts', "export const fs = () => import('fs/promises');\n")).toEqual(['no-restricted-syntax']);
    expect(await rulesBroken('packages/protocol/src/x.ts', 'export const title = () => document.title;\n')).toEqual(['no-restricted-globals']);
    expect(await rulesBroken('packages/labs/src/x.ts', 'export const w = () => window.innerWidth;\n')).toEqual(['no-restricted-globals']);
  });

  it('allows the same imports in Node-only files and tests, and worker-safe code everywhere', async () => {
    expect(await rulesBroken('packages/vis/src/node.ts', "import { readFile } from 'node:fs/promises';\nexport * from './image-files';\n")).toEqual([]);
    expect(await rulesBroken('packages/nets/src/store/model-store-node.ts', "import path from 'node:path';\n")).toEqual([]);
    expect(await rulesBroken('packages/engine/src/x.test.ts', "import path from 'node:path';\nimport { loadModelSpec } from '@convlab/nets/node';\n")).toEqual([]);
    expect(await rulesBroken('packages/engine/src/x.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const t = () => setTimeout(() => tf.memory(), 0);\n")).toEqual([]);
  });
});

describe('lint: every package declares what it imports', () => {
  it('rejects a package that is not in the nearest package.json', async () => {
    expect(await rulesBroken('packages/engine/src/x.ts', "import { z } from 'zod';\n")).toEqual(['convlab/declared-dependencies']);
    expect(await rulesBroken('packages/engine/src/x.ts', "import { LABS } from '@convlab/labs';\n")).toEqual(['convlab/declared-dependencies']);
    expect(await rulesBroken('packages/protocol/src/x.ts', "import type { Tensor } from '@tensorflow/tfjs-core';\n")).toEqual(['convlab/declared-dependencies']);
    expect(await rulesBroken('server/x.ts', "import leftPad from 'left-pad';\n")).toEqual(['convlab/declared-dependencies']);
  });

  it('allows devDependencies only in tests, test support and tooling', async () => {
    expect(await rulesBroken('packages/labs/src/x.ts', "import { getModelSpec } from '@convlab/nets';\n")).toEqual(['convlab/declared-dependencies']);
    expect(await rulesBroken('packages/labs/src/x.test.ts', "import { getModelSpec } from '@convlab/nets';\n")).toEqual([]);
    expect(await rulesBroken('server/x.ts', "import { defineConfig } from 'vitest/config';\n")).toEqual(['convlab/declared-dependencies']);
    expect(await rulesBroken('vitest.config.ts', "import { defineConfig } from 'vitest/config';\n")).toEqual([]);
  });

  it('accepts declared packages, subpaths, the package itself and Node built-ins', async () => {
    expect(await rulesBroken('packages/engine/src/x.ts', "import { forward } from '@convlab/nets';\nimport type { JobSpec } from '@convlab/protocol';\nimport { runJob } from '@convlab/engine';\n")).toEqual([]);
    expect(await rulesBroken('server/x.ts', "import { Server } from 'socket.io';\nimport path from 'node:path';\nimport { createRequire } from 'module';\n")).toEqual([]);
  });
});
