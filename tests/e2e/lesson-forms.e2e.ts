/**
 * An instructor sets up a convolution step and a first-layer filters step through their forms, never writing JSON:
 * a number grid and a kernel typed cell by cell (a mistyped cell named until it is fixed), a preset, a size change that
 * keeps the weights, stride and padding with the output size worked out, the challenge; the filters' models in order
 * (one removed, one moved up, one added), their scale and order. The saved lesson holds exactly that, and the reopened editor shows it.
 * Screenshots of both forms go to docs/.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import { ARTIFACTS, instructorContext } from './support';

test.setTimeout(600_000);
test.beforeAll(async ({ request }) => {
  test.setTimeout(600_000);
  for (const path of ['/dashboard', '/dashboard/lessons/warm-up-page']) await request.get(path, { timeout: 600_000 });
});

const saved = (page: Page) => expect(page.getByTestId('save-state')).toHaveText(/^All changes saved/, { timeout: 30_000 });

async function addLab(page: Page, title: RegExp, n: number): Promise<Locator> {
  await page.getByRole('button', { name: 'Add lab…' }).click();
  await page.getByRole('button', { name: title }).click();
  return page.getByRole('listitem', { name: `Step ${n}` });
}

test('convolution and filters steps set up through their forms, saved as chosen', async ({ browser }) => {
  const context = await instructorContext(browser);
  const page = await context.newPage();
  await page.goto('/dashboard');
  await page.getByRole('button', { name: 'New lesson' }).click();
  await expect(page).toHaveURL(/\/dashboard\/lessons\/lesson-/, { timeout: 60_000 });
  const lessonId = page.url().split('/').pop()!;
  await page.getByLabel('Lesson title').fill('Kernels and filters');
  await page.getByRole('listitem', { name: 'Step 1' }).getByLabel('Title').fill('Welcome');

  // Convolution: a 5×6 grid of numbers, Sobel x with its centre changed, stride 2, padding 1, the challenge.
  const conv = await addLab(page, /^Convolution/, 2);
  await expect(page.getByLabel('Parameters (JSON)')).toHaveCount(0);
  await expect(conv.getByRole('radio', { name: 'A photo' })).toBeChecked();
  // Settings the step leaves out show as the lab's defaults, the values students run with.
  await expect(conv.getByRole('combobox', { name: 'Colour (grey or RGB channels)' })).toHaveValue('gray');
  await conv.screenshot({ path: join(ARTIFACTS, 'lesson-form-convolution-photo.png') });
  await conv.getByRole('radio', { name: 'A small grid of numbers' }).check();
  await conv.getByLabel('Rows', { exact: true }).fill('5');
  await conv.getByLabel('Columns', { exact: true }).fill('6');
  await expect(conv.getByLabel(/^Grid row \d+, column \d+$/)).toHaveCount(30);
  await conv.getByLabel('Grid row 3, column 4').fill('7');
  await conv.getByRole('group', { name: 'Kernel presets' }).getByRole('button', { name: 'Sobel x' }).click();
  await expect(conv.getByLabel('Kernel row 1, column 1')).toHaveValue('-1');
  // A cell that is not a number is named under the kernel until it is one.
  await conv.getByLabel('Kernel row 2, column 2').fill('x');
  await expect(conv.getByText(/^The kernel’s entry must be/)).toBeVisible();
  await conv.getByLabel('Kernel row 2, column 2').fill('0.5');
  await expect(conv.getByText(/^The kernel’s entry must be/)).toHaveCount(0);
  // A size change keeps the weights about their centre (a ring of zeros, the same filter), and back again.
  const sizes = conv.getByRole('group', { name: 'Kernel size' });
  await sizes.getByRole('button', { name: '5×5' }).click();
  await expect(conv.getByLabel(/^Kernel row \d+, column \d+$/)).toHaveCount(25);
  await expect(conv.getByLabel('Kernel row 1, column 1')).toHaveValue('0');
  await expect(conv.getByLabel('Kernel row 2, column 2')).toHaveValue('-1');
  await expect(conv.getByLabel('Kernel row 3, column 3')).toHaveValue('0.5');
  await sizes.getByRole('button', { name: '3×3' }).click();
  await expect(conv.getByLabel('Kernel row 1, column 1')).toHaveValue('-1');
  await expect(conv.getByLabel('Kernel row 2, column 2')).toHaveValue('0.5');
  // Out of the schema's bounds: said next to the field, in words.
  await conv.getByLabel(/^Stride S/).fill('9');
  await expect(conv.getByText('The stride must be at most 4 pixels.')).toBeVisible();
  await conv.getByLabel(/^Stride S/).fill('2');
  await conv.getByLabel(/^Padding P/).fill('1');
  await expect(conv.getByTestId('conv-output-size')).toHaveText('Output size (W − K + 2P) / S + 1: rows (5 − 3 + 2·1) / 2 + 1 = 3, columns ⌊(6 − 3 + 2·1) / 2⌋ + 1 = 3');
  await conv.getByRole('checkbox', { name: /^Offer the “make this output” challenge/ }).check();
  await saved(page);
  await conv.screenshot({ path: 'docs/lesson-editor-convolution.png' });

  // Filters: SqueezeNet 1.1 removed, MobileNet moved first, MobileNet v1 0.25 added; one scale, strongest first.
  const filters = await addLab(page, /^First-layer filters/, 3);
  const chosen = filters.getByRole('list', { name: /^Models shown: \d chosen$/ }).getByRole('listitem');
  await expect(chosen).toHaveCount(3);
  await expect(chosen.first()).toContainText('96 filters of 7×7, stride 2', { timeout: 60_000 });
  await filters.getByRole('button', { name: 'Remove SqueezeNet 1.1' }).click();
  await filters.getByRole('button', { name: /^Move MobileNet v1 0\.75 .* up$/ }).click();
  await filters.getByLabel('Add a model').selectOption('mobilenet_v1_0.25_224');
  await filters.getByRole('button', { name: /^Add MobileNet v1 0\.25/ }).click();
  await expect(chosen).toHaveCount(3);
  await filters.getByRole('combobox', { name: 'Tile scale (each tile or all on one)' }).selectOption('global');
  await filters.getByRole('combobox', { name: 'Order of the tiles' }).selectOption('norm');
  await saved(page);
  await filters.screenshot({ path: 'docs/lesson-editor-filters.png' });

  // The server has what was chosen, ready to teach.
  const lesson = (await (await page.request.get(`/api/library/${lessonId}`)).json()).lesson;
  expect(lesson.problems).toEqual([]);
  const grid = Array.from({ length: 5 }, (_, y) => Array.from({ length: 6 }, (_, x) => (y === 2 && x === 3 ? 7 : [[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 9, 0, 0, 0], [0, 0, 9, 9, 9, 0, 0], [0, 9, 9, 9, 9, 9, 0], [0, 0, 9, 9, 9, 0, 0]][y]![x]!)));
  expect(lesson.steps[1]).toMatchObject({
    labId: 'convolution',
    params: { source: 'grid', grid, kernel: [[-1, 0, 1], [-2, 0.5, 2], [-1, 0, 1]], stride: 2, padding: 1, challenge: true },
  });
  expect(lesson.steps[2]).toMatchObject({ labId: 'filters', params: { models: ['mobilenet_v1_0.75_224', 'squeezenet1.0_nhwc', 'mobilenet_v1_0.25_224'], normalize: 'global', sort: 'norm' } });

  // Reopened, the forms show it.
  await page.reload();
  await expect(conv.getByRole('radio', { name: 'A small grid of numbers' })).toBeChecked();
  await expect(conv.getByLabel('Grid row 3, column 4')).toHaveValue('7');
  await expect(conv.getByLabel('Kernel row 2, column 2')).toHaveValue('0.5');
  await expect(conv.getByLabel(/^Stride S/)).toHaveValue('2');
  await expect(filters.getByRole('list', { name: /^Models shown/ }).getByRole('listitem').first()).toContainText('MobileNet v1 0.75');
  await expect(filters.getByRole('combobox', { name: 'Order of the tiles' })).toHaveValue('norm');
  await context.close();
});
