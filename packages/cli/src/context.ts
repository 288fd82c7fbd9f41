/**
 * What every subcommand gets: the started backend, model loading by id/path/URL through the model store, image
 * decoding (sharp) and preprocessing, ImageNet labels, .npy files and output helpers. Everything it loads is
 * disposed when the command ends.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  disposeModel, encodeNpy, loadImageNetClasses, parseNpy, preprocessImage,
  type ImageNetClass, type Model, type ModelMeta, type NpyArray,
} from '@convlab/nets';
import sharp from 'sharp';
import { initBackend } from './backend';
import { CliError, type CliOptions } from './command.types';
import { createFileReader, defaultLabelsDir, loadModelSpec, type LoadedModel, type ModelStoreOptions } from '@convlab/nets/node';

/** Where a command writes: stdout for results, stderr for progress and warnings. */
export interface CliOutput {
  /** One line of result text. */
  line(text?: string): void;
  /** A JSON document (pretty-printed). */
  json(value: unknown): void;
  /** A table with a header row; numbers are right-aligned. */
  table(header: string[], rows: Array<Array<string | number>>): void;
  /** A diagnostic line on stderr (never mixed into --json output). */
  warn(text: string): void;
}

/** Services of one CLI run (see the module comment). */
export interface CliContext {
  /** The active tfjs backend ('wasm', 'cpu', 'tensorflow'). */
  backend: string;
  env: NodeJS.ProcessEnv;
  /** Options for the model store (models dir, offline, …) derived from the global options. */
  storeOptions: ModelStoreOptions;
  out: CliOutput;
  /** Loads a model by built-in id, path or URL; it is disposed when the command ends. */
  loadModel(spec: string): Promise<Model>;
  /** Same as loadModel, with where it came from. */
  loadModelWithSource(spec: string): Promise<LoadedModel>;
  /** Decodes an image file to RGB `[h, w, 3]` int32 pixels (0..255). The caller disposes it. */
  readImage(file: string): Promise<tf.Tensor3D>;
  /** Decodes and preprocesses an image for a model: `[1, h, w, 3]`. The caller disposes it. */
  readImageInput(file: string, meta: Pick<ModelMeta, 'inputSize' | 'preprocessing'>): Promise<tf.Tensor4D>;
  /** A plain image for the explainers: --image as float RGB 0..255, or --npy shaped [H,W], [H,W,C] or [1,H,W,C]. */
  readPlainImage(opts: { image?: unknown; npy?: unknown }): Promise<tf.Tensor3D>;
  /** The 1,000 ImageNet classes, or null when the labels folder is not available (a warning says so). */
  imagenetClasses(): Promise<ImageNetClass[] | null>;
  readNpy(file: string): Promise<NpyArray>;
  writeNpy(file: string, data: Float32Array, shape: number[]): Promise<void>;
  /** Frees every model loaded through this context. */
  dispose(): void;
}

function formatTable(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}

/** Standard output streams of the process. */
export function processOutput(): CliOutput {
  return {
    line: (text = '') => process.stdout.write(`${text}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    table: (header, rows) => process.stdout.write(`${formatTable(header, rows)}\n`),
    warn: (text) => process.stderr.write(`${text}\n`),
  };
}

/** Starts the backend named by the global options and returns the context of one command. */
export async function createContext(globals: CliOptions, out: CliOutput = processOutput(), env = process.env): Promise<CliContext> {
  const backend = await initBackend(String(globals.backend ?? env.CONVLAB_BACKEND ?? 'wasm'));
  const storeOptions: ModelStoreOptions = {
    env,
    modelsDir: globals.modelsDir ? String(globals.modelsDir) : undefined,
    download: globals.offline ? false : undefined,
    onDownload: (e) => out.warn(`downloaded ${e.file} (${e.done}/${e.total})`),
  };
  const labelsDir = globals.labelsDir ? path.resolve(String(globals.labelsDir)) : defaultLabelsDir(env);
  const loaded: Model[] = [];
  let classes: Promise<ImageNetClass[] | null> | null = null;

  const loadModelWithSource = async (spec: string): Promise<LoadedModel> => {
    const r = await loadModelSpec(spec, storeOptions);
    loaded.push(r.model);
    return r;
  };

  const ctx: CliContext = {
    backend,
    env,
    storeOptions,
    out,
    loadModelWithSource,
    loadModel: async (spec) => (await loadModelWithSource(spec)).model,
    async readImage(file) {
      if (!existsSync(file)) throw new CliError(`no image file ${file}`);
      let decoded;
      try {
        decoded = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      } catch (e) {
        throw new CliError(`cannot decode image ${file}: ${(e as Error).message}`);
      }
      const { data, info } = decoded;
      return tf.tensor3d(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), [info.height, info.width, info.channels], 'int32');
    },
    async readImageInput(file, meta) {
      const pixels = await ctx.readImage(file);
      try {
        return preprocessImage(pixels, meta);
      } finally {
        pixels.dispose();
      }
    },
    async readPlainImage(opts) {
      if (opts.image) {
        const px = await ctx.readImage(String(opts.image));
        try {
          return tf.cast(px, 'float32') as tf.Tensor3D;
        } finally {
          px.dispose();
        }
      }
      const npy = await ctx.readNpy(String(opts.npy));
      const s = npy.shape[0] === 1 && npy.shape.length === 4 ? npy.shape.slice(1) : npy.shape;
      if (s.length !== 2 && s.length !== 3) throw new CliError(`--npy must be [H,W], [H,W,C] or [1,H,W,C], got [${npy.shape.join(', ')}]`);
      return tf.tensor3d(Float32Array.from(npy.data), [s[0], s[1], s[2] ?? 1]);
    },
    imagenetClasses() {
      classes ??= loadImageNetClasses(createFileReader(labelsDir)).catch((e: Error) => {
        out.warn(`warning: no ImageNet labels (${e.message}); showing class indices. Set CONVLAB_LABELS_DIR or --labels-dir.`);
        return null;
      });
      return classes;
    },
    async readNpy(file) {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new CliError(`no .npy file ${file}`);
      }
      return parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
    },
    async writeNpy(file, data, shape) {
      await writeFile(file, encodeNpy(data, shape));
    },
    dispose() {
      for (const m of loaded.splice(0)) disposeModel(m);
    },
  };
  return ctx;
}
