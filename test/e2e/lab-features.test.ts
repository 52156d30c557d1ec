/**
 * The lab's research features end to end in headless Chromium (WebGPU on SwiftShader) with a tiny
 * model from the URL hash: compare two runs, save a run, reload the page and load it back, read an
 * XLM memory's coverage from dropped files, export a figure as PNG, and refuse bad files clearly.
 */
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { exportMemory } from '../../src/model/io/layouts';
import { writeNpy } from '../../src/model/io/npy';
import { writeSafetensors } from '../../src/model/io/safetensors';
import type { MemorySpec } from '../../src/model/memory/types';
import { initMemoryWeights } from '../../src/model/memory/weights';
import { createRng } from '../../src/model/random';
import { type OpenPage, openPage } from './browser';

const TINY = {
  d_model: 32,
  layers: 3,
  attn_heads: 2,
  context: 16,
  mem_layers: '2',
  n_keys: 16,
  knn: 4,
  heads: 2,
  k_dim: 16,
  batch: 4,
};
const hash = `#page=lab&${Object.entries(TINY)
  .map(([k, v]) => `${k}=${v}`)
  .join('&')}`;

let session: OpenPage;

beforeAll(async () => {
  expect(DEFAULT_CONFIG.corpus).toBe('knowledge');
  session = await openPage(`${inject('baseUrl')}${hash}`);
});
afterAll(async () => {
  await session?.close();
});

const page = () => session.page;
const slot = (name: string) => page().locator(`[data-slot="${name}"]`);
const step = () => page().getByLabel('Training step', { exact: true });

async function waitPaused(timeout = 90_000): Promise<void> {
  await page().waitForFunction(
    () => /paused/i.test(document.querySelector('.run-status')?.textContent ?? ''),
    null,
    {
      timeout,
    },
  );
}

/** Drops a file made of `bytes` on the drop zone inside `zone`, as a drag from the desktop would. */
async function dropFile(zone: ReturnType<typeof slot>, name: string, bytes: Uint8Array): Promise<void> {
  const target = zone.locator('.lab-drop').first();
  const transfer = await page().evaluateHandle(
    ({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(data)], name));
      return dt;
    },
    { name, data: Array.from(bytes) },
  );
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}

function pngHeader(bytes: Buffer): boolean {
  return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

test('compare two runs, then the user run comes back', async () => {
  const started = Date.now();
  await waitPaused();
  // Two steps of the user's own run, to see that they survive the comparison.
  for (let i = 0; i < 2; i++) {
    await page().getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(async () => step().textContent(), { timeout: 30_000 }).toBe(String(i + 1));
  }
  const compare = slot('compare');
  await compare.getByRole('checkbox', { name: 'flat keys' }).uncheck();
  await compare.getByLabel('Steps per run').fill('4');
  await compare.getByLabel('Evaluate every').fill('2');
  await compare.getByRole('button', { name: 'Compare 2 runs' }).click();
  await compare.locator('.compare-status--done').waitFor({ timeout: 120_000 });
  const rows = compare.locator('.compare-results tbody tr');
  await expect.poll(async () => rows.count()).toBe(2);
  for (const i of [0, 1]) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    expect(cells[0]).toBe('done');
    expect(Number(cells[2])).toBeGreaterThan(0); // validation loss at step 4
  }
  expect(await rows.nth(0).locator('th').textContent()).toContain('memory (product keys)');
  expect(await rows.nth(1).locator('td').nth(3).textContent()).toBe('no memory');
  // Both runs' curves are in the overlay.
  const legend = compare.locator('.loss-chart__legend li');
  expect(await legend.allTextContents()).toEqual(
    expect.arrayContaining(['memory (product keys)', 'baseline (no memory)']),
  );
  expect(await compare.locator('.compare-coverage__run').count()).toBe(1);
  // The user's run (2 steps) is loaded back.
  await waitPaused();
  await expect.poll(async () => step().textContent(), { timeout: 30_000 }).toBe('2');
  console.log(`e2e: compared 2 runs × 4 steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('save a run, reload the page, load it back', async () => {
  const saved = slot('savedRuns');
  await saved.getByLabel('Name').fill('e2e run');
  await saved.getByRole('button', { name: 'Save run' }).click();
  await saved.getByText('Saved “e2e run” (step 2').waitFor({ timeout: 30_000 });
  const loss = await page().getByLabel('Training loss', { exact: true }).textContent();

  await page().reload();
  await waitPaused();
  expect(await step().textContent()).toBe('0');
  const item = saved.locator('.saved-run', { hasText: 'e2e run' });
  await expect.poll(async () => item.count(), { timeout: 10_000 }).toBe(1);
  expect(await item.textContent()).toMatch(/step 2/);
  await saved.getByRole('button', { name: 'Load e2e run', exact: true }).click();
  await saved.getByText('Loaded “e2e run” at step 2.').waitFor({ timeout: 60_000 });
  await waitPaused();
  expect(await step().textContent()).toBe('2');
  // The figures' history came back with it.
  expect(await page().getByLabel('Training loss', { exact: true }).textContent()).toBe(loss);
});

test('drop an XLM memory and inputs, see its coverage; a malformed file gets a clear message', async () => {
  const spec: MemorySpec = {
    d_in: 24,
    heads: 2,
    n_keys: 12,
    k_dim: 8,
    v_dim: 16,
    knn: 3,
    query_norm: 'batchnorm',
    mem_keys: 'product',
    mem_plus: false,
    d_out: 16,
  };
  // As safetensors.torch.save_file(memory.state_dict()) writes it: no knn anywhere in the file.
  const memory = writeSafetensors(exportMemory('xlm', spec, initMemoryWeights(spec, 5)));
  const rng = createRng(9);
  const inputs = writeNpy(
    Float32Array.from({ length: 50 * 24 }, () => rng.normal()),
    [50, 24],
  );
  const byo = slot('byoMemory');
  await dropFile(byo, 'xlm-memory.safetensors', memory);
  await byo.getByText('xlm-memory.safetensors').waitFor();
  // The panel asks for k, prefilled with XLM's default 32 capped to the 12 sub-keys per half.
  const k = byo.getByLabel('k (slots per head, 1–12)');
  expect(await k.inputValue()).toBe('12');
  expect(await byo.getByLabel('Layout').locator('option:checked').textContent()).toMatch(/detected: XLM/);
  await byo.getByLabel('Inputs (.npy, [B, d_in] float)').setInputFiles({
    name: 'inputs.npy',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(inputs),
  });
  await byo.getByText('inputs.npy').waitFor();
  await k.fill('3');
  await byo.getByRole('button', { name: 'Compute coverage' }).click();
  const report = byo.locator('.byo-report');
  await report.waitFor({ timeout: 60_000 });
  expect(await report.locator('.byo-report__summary').textContent()).toMatch(
    /\(xlm layout\): 2 heads × k 3 over 144 slots .* 50 inputs of d_in 24/,
  );
  // All heads, then one row per head.
  expect(await report.locator('tbody tr').count()).toBe(3);
  expect(await report.getByRole('img', { name: /Memory usage heatmap/ }).count()).toBe(1);
  const deadTitle = await report.locator('.byo-report__dead-title').textContent();
  expect(deadTitle).toMatch(/^Dead slots: \d+ of 144/);

  // A k the memory does not allow, inputs of another width: said as such, not "could not be read".
  await k.fill('13');
  expect(await byo.getByRole('alert').first().textContent()).toMatch(
    /^k must be a whole number from 1 to 12 \(this memory has 12 sub-keys per half\)/,
  );
  expect(await byo.getByRole('button', { name: 'Compute coverage' }).isDisabled()).toBe(true);
  await k.fill('3');
  await byo.getByLabel('Inputs (.npy, [B, d_in] float)').setInputFiles({
    name: 'narrow.npy',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(writeNpy(new Float32Array(20), [2, 10])),
  });
  await byo
    .getByRole('alert')
    .filter({ hasText: 'narrow.npy: the inputs are 10 wide, but this memory reads vectors of d_in 24.' })
    .waitFor();
  expect(await byo.textContent()).not.toMatch(/could not be read|--knn/);

  // A PNG, a cut-off file: named for what they are, and the previous result goes.
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
  await dropFile(byo, 'picture.safetensors', png);
  await byo
    .getByRole('alert')
    .filter({ hasText: 'picture.safetensors: not a safetensors file: it is a PNG image.' })
    .waitFor();
  expect(await report.count()).toBe(0);
  const cut = memory.subarray(0, memory.length - 1000);
  await dropFile(byo, 'cut.safetensors', cut);
  await byo
    .getByRole('alert')
    .filter({
      hasText: `cut.safetensors: incomplete safetensors file: ${cut.length.toLocaleString('en')} of ${memory.length.toLocaleString('en')} bytes.`,
    })
    .waitFor();
  expect(await byo.getByRole('button', { name: 'Compute coverage' }).isDisabled()).toBe(true);
});

test('lucidrains and lingua memories work in the panel: layout detected, the memory chosen in a whole model', async () => {
  const byo = slot('byoMemory');
  const rng = createRng(4);
  const npy = (count: number, width: number) =>
    Buffer.from(
      writeNpy(
        Float32Array.from({ length: count * width }, () => rng.normal()),
        [count, width],
      ),
    );

  // lucidrains' PKM(dim 16, heads 2, num_keys 10, dim_head 4): its own names and shapes.
  const pkm = {
    'to_queries.weight': {
      shape: [16, 16],
      data: Float32Array.from({ length: 256 }, () => rng.normal() * 0.25),
    },
    'norm.weight': { shape: [4], data: new Float32Array([1, 1.2, 0.8, 1]) },
    'norm.bias': { shape: [4], data: new Float32Array([0, 0.1, -0.1, 0]) },
    keys: { shape: [2, 10, 2, 4], data: Float32Array.from({ length: 160 }, () => rng.normal() * 0.5) },
    'values.weight': {
      shape: [100, 16],
      data: Float32Array.from({ length: 1600 }, () => rng.normal() * 0.25),
    },
  };
  await dropFile(byo, 'pkm.safetensors', writeSafetensors(pkm));
  await byo.getByText('pkm.safetensors').waitFor();
  expect(await byo.getByLabel('Layout').locator('option:checked').textContent()).toMatch(
    /detected: lucidrains/,
  );
  expect(await byo.getByLabel('k (slots per head, 1–10)').inputValue()).toBe('10');
  await byo.getByLabel('Inputs (.npy, [B, d_in] float)').setInputFiles({
    name: 'pkm-inputs.npy',
    mimeType: 'application/octet-stream',
    buffer: npy(40, 16),
  });
  await byo.getByLabel('k (slots per head, 1–10)').fill('4');
  await byo.getByRole('button', { name: 'Compute coverage' }).click();
  const report = byo.locator('.byo-report');
  await report
    .locator('.byo-report__summary', { hasText: 'pkm.safetensors (lucidrains layout)' })
    .waitFor({ timeout: 60_000 });
  expect(await report.locator('.byo-report__summary').textContent()).toMatch(
    /2 heads × k 4 over 100 slots .* 40 inputs of d_in 16/,
  );

  // A lingua model with two memories; the second one's values are the pool held by the first.
  const lingua = (seed: number, withValues: boolean) => {
    const r = createRng(seed);
    const t: Record<string, { shape: number[]; data: Float32Array }> = {
      keys: { shape: [2 * 2 * 8, 4], data: Float32Array.from({ length: 128 }, () => r.normal() * 0.3) },
      'query_proj.query_mlps.0.weight': {
        shape: [16, 16],
        data: Float32Array.from({ length: 256 }, () => r.normal() * 0.25),
      },
      'query_proj.query_mlps.0.bias': { shape: [16], data: new Float32Array(16) },
      'swilu_projection.weight': {
        shape: [16, 16],
        data: Float32Array.from({ length: 256 }, () => r.normal() * 0.25),
      },
      'swilu_projection.bias': { shape: [16], data: new Float32Array(16) },
      'value_proj.weight': {
        shape: [16, 16],
        data: Float32Array.from({ length: 256 }, () => r.normal() * 0.25),
      },
      'value_proj.bias': { shape: [16], data: new Float32Array(16) },
    };
    if (withValues)
      t['values.weight'] = {
        shape: [64, 16],
        data: Float32Array.from({ length: 1024 }, () => r.normal() * 0.25),
      };
    return t;
  };
  const model: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [layer, hasValues] of [
    [2, true],
    [6, false],
  ] as const) {
    for (const [name, t] of Object.entries(lingua(layer, hasValues)))
      model[`layers.${layer}.feed_forward.${name}`] = t;
  }
  await dropFile(byo, 'lingua-model.safetensors', writeSafetensors(model));
  await byo.getByText('lingua-model.safetensors').waitFor();
  const which = byo.getByLabel('Memory in the file (2)');
  expect(await which.locator('option').allTextContents()).toEqual([
    'layers.2.feed_forward.',
    'layers.6.feed_forward.',
  ]);
  await which.selectOption('layers.6.feed_forward.');
  await byo.getByText(/pool shared with 'layers\.2\.feed_forward\.'/).waitFor();
  await byo.getByRole('button', { name: 'Compute coverage' }).click();
  await report
    .locator('.byo-report__summary', { hasText: '(lingua layout at layers.6.feed_forward.)' })
    .waitFor({ timeout: 60_000 });
  expect(await report.locator('.byo-report__summary').textContent()).toMatch(/2 heads × k 8 over 64 slots/);
});

test('your own data: empty and binary files are refused with the reason', async () => {
  const data = slot('byoData');
  const input = data.locator('input[type="file"]');
  await input.setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
  await data.getByRole('alert').filter({ hasText: 'empty.txt is empty' }).waitFor();
  await input.setInputFiles({
    name: 'blob.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from([1, 0, 2, 3]),
  });
  await data
    .getByRole('alert')
    .filter({ hasText: /binary/ })
    .waitFor({ timeout: 30_000 });
  expect(await data.locator('.lab-corpus').textContent()).toMatch(/the knowledge corpus/);
});

test('export the loss figure as PNG (captured download)', async () => {
  const frame = page()
    .locator('.figure-frame')
    .filter({ has: page().locator('.figure-frame__title', { hasText: /^Loss and fact recall$/ }) });
  await frame.getByLabel('Export figure: Loss and fact recall').click();
  const [download] = await Promise.all([
    page().waitForEvent('download'),
    frame.getByRole('button', { name: 'PNG image' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('pkm-loss-and-fact-recall-step-2.png');
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(path);
  expect(pngHeader(bytes)).toBe(true);
  expect(bytes.length).toBeGreaterThan(2000);
  expect(session.errors).toEqual([]);
});
