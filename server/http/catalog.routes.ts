/**
 * What a lesson editor can choose from on this server. `GET /api/models`: the built-in models whose files are
 * present (models dir, shared dir or cache — no download), with input size and number of classes.
 * `GET /api/samples`: the ids of the built-in sample images (`photos/<file>`, `imagenet-samples/<file>`) in the
 * images directory, plus the repository's photos that stand in for `photos/` (as `GET /api/samples/<id>` serves them).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_MODELS } from '@convlab/nets';
import { locateModel, type ModelStoreOptions } from '@convlab/nets/node';
import { SampleIdSchema } from '@convlab/labs';
import { REPO_PHOTOS_DIR, resolveImagesDir } from '@convlab/labs/node';
import { API, type InstalledModel } from '@convlab/protocol';
import type { Router } from './router';

const SAMPLE_FOLDERS = ['photos', 'imagenet-samples'] as const;

async function fileNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return []; // an absent folder simply has no samples
  }
}

/** Sample ids available under `imagesDir` (and the repository's photos), sorted; only ids the labs accept. */
export async function listSampleIds(imagesDir: string, repoPhotosDir = REPO_PHOTOS_DIR): Promise<string[]> {
  const ids = new Set<string>();
  for (const folder of SAMPLE_FOLDERS) {
    for (const name of await fileNames(join(imagesDir, folder))) ids.add(`${folder}/${name}`);
  }
  for (const name of await fileNames(repoPhotosDir)) ids.add(`photos/${name}`);
  return [...ids].filter((id) => SampleIdSchema.safeParse(id).success).sort();
}

/** The built-in models present on this server (where the compute workers look for them), in registry order. */
export async function listInstalledModels(options: ModelStoreOptions): Promise<InstalledModel[]> {
  const found = await Promise.all(BUILTIN_MODELS.map(async (m) => ((await locateModel(m.meta.id, options)) ? m.meta : null)));
  return found
    .filter((m) => m !== null)
    .map(({ id, displayName, family, inputSize, numClasses, weights }) => ({
      id,
      displayName,
      family,
      inputSize: [inputSize[0], inputSize[1]],
      numClasses,
      weights: weights ?? 'float',
    }));
}

/** Registers `GET /api/models` and `GET /api/samples`; directories are read from `env` on each request. */
export function registerCatalogRoutes(router: Router, env: Record<string, string | undefined> = process.env): void {
  router.add('GET', API.models, async () => ({ status: 200, body: { models: await listInstalledModels({ env }) } }));
  router.add('GET', API.samples, async () => ({ status: 200, body: { samples: await listSampleIds(resolveImagesDir(env)) } }));
}
