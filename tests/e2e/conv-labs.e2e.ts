/**
 * The lecture's building blocks as a class runs them: an instructor starts "How CNNs see" from the dashboard and two
 * students join. Convolution: presets, an output pixel's weighted sum, a refused NaN entry, the grid, submissions
 * the instructor sees with the server's outputs (and on the projector). "Make this output": the server's verdict.
 * Pooling: the shift-by-one demos on the grid and a real feature map, and the quiz checked by the server. First-layer
 * filters: two models side by side, a response map, a submitted pick. Screenshots land in artifacts/e2e/.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { SWIFTSHADER_LAUNCH, instructorContext, joinAsStudent, snap } from './support';

test.use({ launchOptions: SWIFTSHADER_LAUNCH });
test.setTimeout(8 * 60_000);

async function gotoStep(teacher: Page, title: RegExp) {
  await teacher.getByRole('navigation', { name: 'Go to step' }).getByRole('button', { name: title }).click();
}

function cardOf(panel: Locator, author: string): Locator {
  return panel.getByTestId('submission-card').filter({ has: panel.page().getByTestId('submission-author').getByText(author, { exact: true }) });
}

/** Tries kernels as a student would (each preset, then the edge filters flipped) until the server says it is made. */
async function solveChallenge(lab: Locator): Promise<string> {
  const check = lab.getByTestId('challenge-check');
  const attempt = async () => {
    await lab.getByRole('button', { name: 'Check with the server' }).click();
    await expect(check).toBeVisible({ timeout: 30_000 });
    await expect(lab.getByRole('button', { name: 'Check with the server' })).toBeEnabled({ timeout: 30_000 });
    return (await check.textContent()) ?? '';
  };
  const presets = ['Box blur', 'Gaussian', 'Sharpen', 'Sobel x', 'Sobel y', 'Laplacian'];
  for (const preset of presets) {
    await lab.getByRole('group', { name: 'Presets' }).getByRole('button', { name: preset, exact: true }).click();
    const said = await attempt();
    if (said.startsWith('made it')) return preset;
  }
  for (const preset of ['Sobel x', 'Sobel y']) {
    await lab.getByRole('group', { name: 'Presets' }).getByRole('button', { name: preset, exact: true }).click();
    for (let y = 1; y <= 3; y++) {
      for (let x = 1; x <= 3; x++) {
        const cell = lab.getByLabel(`kernel row ${y}, column ${x}`);
        const v = Number(await cell.inputValue());
        await cell.fill(String(-v || 0));
      }
    }
    if ((await attempt()).startsWith('made it')) return `−${preset}`;
  }
  throw new Error('no kernel made the target');
}

test('a class runs the convolution, pooling and filters labs; the server checks kernels and quiz answers', async ({ browser }, testInfo) => {
  const teacherContext = await instructorContext(browser);
  const teacher = await teacherContext.newPage();
  await teacher.goto('/dashboard');
  await teacher.getByRole('button', { name: /Start .*How CNNs see/ }).click();
  await expect(teacher).toHaveURL(/\/teach\/[^/]+$/, { timeout: 30_000 });
  const code = ((await teacher.getByTestId('join-code').textContent()) ?? '').replace(/\s/g, '');
  const ana = await joinAsStudent(browser, code, 'Ana', '?compute=browser');
  const ben = await joinAsStudent(browser, code, 'Ben', '?compute=server');

  await test.step('convolution: presets, a weighted sum term by term, a refused NaN, the grid; the instructor sees the server’s outputs', async () => {
    await gotoStep(teacher, /Convolution: a weighted sum/);
    const lab = ana.page.getByTestId('lab-convolution');
    await expect(lab.getByTestId('output-size')).toContainText('(64 − 3 + 2·1) / 1 + 1 = 64', { timeout: 30_000 });
    await lab.getByRole('group', { name: 'Presets' }).getByRole('button', { name: 'Sobel x', exact: true }).click();
    const out = lab.getByTestId('conv-output-0');
    const box = (await out.boundingBox())!;
    await ana.page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.4);
    const sum = lab.getByTestId('weighted-sum');
    await expect(sum).toContainText(/Output pixel \(row 2\d, column 3\d\): the kernel centred on input pixel \(row 2\d, column 3\d\)/);
    await expect(sum).toContainText(/·\(−1\) \+ .* = /);
    await lab.getByRole('combobox', { name: /^Stride S/ }).selectOption('2');
    await expect(lab.getByTestId('output-size')).toContainText('⌊(64 − 3 + 2·1) / 2⌋ + 1 = 32');
    await snap(ana.page, 'lab-convolution-student', testInfo, true);
    await lab.getByRole('button', { name: 'Submit my kernel' }).click();
    await expect(lab.getByTestId('class-kernels')).toBeVisible({ timeout: 30_000 });

    const bens = ben.page.getByTestId('lab-convolution');
    await bens.getByRole('combobox', { name: /^Input/ }).selectOption('grid');
    await bens.getByLabel('kernel row 2, column 2').fill('abc');
    await expect(bens.getByTestId('kernel-problem')).toContainText('kernel.1.1: each kernel entry must be a finite number (not NaN or ∞)');
    await expect(bens.getByRole('button', { name: 'Submit my kernel' })).toBeDisabled();
    await bens.getByRole('group', { name: 'Presets' }).getByRole('button', { name: 'Laplacian', exact: true }).click();
    await bens.getByTestId('conv-output-grid').getByRole('button', { name: /^row 3, column 3:/ }).click();
    await expect(bens.getByTestId('weighted-sum')).toContainText('the kernel centred on input pixel (row 3, column 3)');
    await snap(ben.page, 'lab-convolution-grid-student', testInfo, true);
    await bens.getByRole('button', { name: 'Submit my kernel' }).click();
    await expect(bens.getByTestId('class-kernels')).toBeVisible({ timeout: 30_000 });

    const panel = teacher.getByTestId('lab-convolution');
    for (const who of ['Ana', 'Ben']) await expect(cardOf(panel, who).getByRole('img', { name: /output the server computed/ })).toBeVisible({ timeout: 30_000 });
    await expect(cardOf(panel, 'Ana')).toContainText('output 32×32 (server)');
    await snap(teacher, 'lab-convolution-instructor', testInfo, true);
    await panel.getByRole('button', { name: 'Present the kernels side by side' }).click();
    const projector = await teacherContext.newPage();
    await projector.setViewportSize({ width: 1920, height: 1080 });
    await projector.goto(`${new URL(teacher.url()).pathname}/present`);
    await expect(projector.getByTestId('present-kernels').getByTestId('conv-figure')).toHaveCount(2, { timeout: 30_000 });
    await snap(projector, 'lab-convolution-present', testInfo);
    await projector.close();
  });

  await test.step('make this output: a wrong kernel is refused and a right one accepted, by the server', async () => {
    await gotoStep(teacher, /Make this output/);
    const lab = ana.page.getByTestId('lab-convolution');
    await expect(lab.getByTestId('challenge-target')).toBeVisible({ timeout: 30_000 });
    await lab.getByRole('group', { name: 'Presets' }).getByRole('button', { name: 'Identity', exact: true }).click();
    await lab.getByRole('button', { name: 'Check with the server' }).click();
    await expect(lab.getByTestId('challenge-check')).toContainText(/^not yet: the largest error is/, { timeout: 30_000 });
    const bens = ben.page.getByTestId('lab-convolution');
    await solveChallenge(bens);
    await snap(ben.page, 'lab-convolution-challenge-student', testInfo, true);
    const panel = teacher.getByTestId('lab-convolution');
    await expect(cardOf(panel, 'Ben').getByTestId('conv-check').last()).toContainText('makes the target', { timeout: 30_000 });
    await expect(cardOf(panel, 'Ana').getByTestId('conv-check')).toContainText('not the target yet');
    await snap(teacher, 'lab-convolution-challenge-instructor', testInfo, true);
  });

  await test.step('pooling: shift by one on a grid and a real feature map; the quiz is checked by the server', async () => {
    await gotoStep(teacher, /Pooling and its drawbacks/);
    const lab = ana.page.getByTestId('lab-pooling');
    await expect(lab.getByTestId('shift-change-max').first()).toContainText('outputs changed');
    await expect(lab.getByTestId('receptive-field')).toContainText('2×2, 4×4, 8×8');
    await expect(lab.getByTestId('pool-real-demo')).toBeVisible({ timeout: 120_000 });
    // Ana computes her value by hand from her own grid.
    const quiz = lab.getByTestId('pool-quiz');
    const question = (await quiz.getByText(/pooling 2×2, stride 2: the output at/).textContent()) ?? '';
    const [, op, row, col] = question.match(/(max|average) pooling 2×2, stride 2: the output at row (\d), column (\d)/)!;
    const cells = await quiz.getByTestId('quiz-grid').locator('td').allTextContents();
    const grid = cells.map(Number);
    const window = [0, 1].flatMap((dy) => [0, 1].map((dx) => grid[(2 * (Number(row) - 1) + dy) * 4 + 2 * (Number(col) - 1) + dx]!));
    const value = op === 'max' ? Math.max(...window) : window.reduce((a, b) => a + b, 0) / 4;
    await quiz.getByLabel('Your answer').fill(String(value));
    await quiz.getByRole('button', { name: 'Check with the server' }).click();
    await expect(quiz.getByTestId('quiz-check')).toContainText('Right', { timeout: 30_000 });
    await snap(ana.page, 'lab-pooling-student', testInfo, true);
    const bens = ben.page.getByTestId('lab-pooling').getByTestId('pool-quiz');
    await bens.getByLabel('Your answer').fill('-1');
    await bens.getByRole('button', { name: 'Check with the server' }).click();
    await expect(bens.getByTestId('quiz-check')).toContainText('Not quite', { timeout: 30_000 });
    const panel = teacher.getByTestId('lab-pooling');
    await expect(cardOf(panel, 'Ana').getByTestId('quiz-answer')).toContainText('✓ right', { timeout: 30_000 });
    await expect(cardOf(panel, 'Ben').getByTestId('quiz-answer')).toContainText('✗ not it');
    await snap(teacher, 'lab-pooling-instructor', testInfo, true);
  });

  await test.step('first-layer filters: two models side by side, a response map, a submitted pick', async () => {
    await gotoStep(teacher, /First-layer filters/);
    const lab = ana.page.getByTestId('lab-filters');
    const models = lab.getByTestId('model-filters');
    await expect(models).toHaveCount(2, { timeout: 30_000 });
    await expect(models.first().getByTestId('filter-shape')).toContainText(/filters of 3×\d×\d, stride \d/, { timeout: 30_000 });
    await expect(lab.getByTestId('filter-shape').filter({ hasText: '96 filters of 3×7×7, stride 2' })).toHaveCount(1);
    await models.first().getByTestId('filter-tiles').getByRole('button').nth(3).click();
    await expect(models.first().getByTestId('filter-response')).toBeVisible();
    await lab.getByRole('combobox', { name: /^Sort by/ }).selectOption('norm');
    await lab.getByLabel('One scale for all tiles (compare strengths)').check();
    await lab.getByLabel('Caption').fill('a dark-to-light edge');
    await lab.getByRole('button', { name: 'Submit this filter' }).click();
    await expect(lab.getByTestId('filter-picks')).toBeVisible({ timeout: 30_000 });
    await snap(ana.page, 'lab-filters-student', testInfo, true);
    const panel = teacher.getByTestId('lab-filters');
    await expect(cardOf(panel, 'Ana')).toContainText('a dark-to-light edge', { timeout: 30_000 });
    await snap(teacher, 'lab-filters-instructor', testInfo, true);
  });

  for (const c of [ana.context, ben.context, teacherContext]) await c.close();
});
