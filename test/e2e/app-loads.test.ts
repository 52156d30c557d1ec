import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type OpenPage, openPage } from './browser';

let session: OpenPage;

beforeAll(async () => {
  session = await openPage(inject('baseUrl'));
});
afterAll(async () => {
  await session?.close();
});

test('the built app starts tfjs on WebGPU and logs no errors', async () => {
  const backend = session.page.getByLabel('Backend', { exact: true });
  await expect
    .poll(async () => backend.textContent(), { timeout: 60_000 })
    .toMatch(/^(webgpu|webgl|wasm|cpu)$/);
  const name = await backend.textContent();
  console.log(`e2e: the app runs on the ${name} backend`);
  expect(name).toBe('webgpu');
  expect(session.errors).toEqual([]);
});
