/**
 * An instructor deletes a model they uploaded from the dashboard: Delete… says what goes and asks again; after
 * "Delete for good" it leaves the list (and the server's catalog). Screenshot of the confirmation in artifacts/e2e/.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { writeOnnx } from '@convlab/nets/testing/onnx-writer';
import { instructorContext, snap } from './support';

/** A tiny ImageNet-shaped classifier: global average pool, then a 3×1000 matrix. */
function tinyClassifier(): Uint8Array {
  return writeOnnx({
    input: { name: 'input', dims: [null, 3, 8, 8] },
    output: { name: 'y', dims: [null, 1000] },
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'MatMul', inputs: ['f', 'w'], outputs: ['y'] },
    ],
    initializers: [{ name: 'w', dims: [3, 1000], data: Float32Array.from({ length: 3000 }, (_, i) => (i % 7) / 7 - 0.4) }],
  });
}

test('an instructor deletes an uploaded model after a confirmation that names it', async ({ browser }, testInfo) => {
  const file = join(await mkdtemp(join(tmpdir(), 'convlab-e2e-model-')), 'tiny.onnx');
  await writeFile(file, tinyClassifier());
  const context = await instructorContext(browser);
  const page = await context.newPage();
  await page.goto('/dashboard');
  const form = page.getByRole('form', { name: 'Upload an ONNX model' });
  await form.getByLabel('ONNX file').setInputFiles(file);
  await form.getByLabel('Name in the model lists').fill('Tiny test network');
  await form.getByRole('button', { name: 'Upload model' }).click();
  await expect(form.getByRole('status')).toContainText('Tiny test network is', { timeout: 120_000 });
  const list = page.getByRole('list', { name: 'Uploaded models' });
  await expect(list).toContainText('Tiny test network');

  await list.getByRole('button', { name: 'Delete model “Tiny test network”' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Delete the model?' });
  await expect(dialog).toContainText('Delete “Tiny test network” (0.0 MB)? Its file leaves this server');
  await snap(page, 'model-delete-confirm', testInfo);
  await dialog.getByRole('button', { name: 'Delete for good' }).click();
  await expect(form.getByRole('status')).toContainText('Tiny test network is deleted.');
  await expect(page.getByText('Tiny test network', { exact: true })).toHaveCount(0);
  const models = (await (await context.request.get('/api/models')).json()) as { models: { displayName: string }[] };
  expect(models.models.map((m) => m.displayName)).not.toContain('Tiny test network');
  await context.close();
});
