import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_DIR, generateTfliteSchemaCode } from './generate-tflite-schema';

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

describe('generated TFLite schema code', () => {
  it('is exactly what flatc produces from schema.fbs (no hand edits, nothing stale)', async () => {
    const fresh = await generateTfliteSchemaCode();
    const committed = listFiles(GENERATED_DIR).sort();
    expect(committed).toEqual(Object.keys(fresh).sort());
    for (const file of committed) {
      expect(readFileSync(path.join(GENERATED_DIR, file), 'utf8'), file).toBe(fresh[file]);
    }
  }, 60_000);
});
