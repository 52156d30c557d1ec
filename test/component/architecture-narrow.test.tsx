import { afterEach, expect, test } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { ArchitectureDiagram } from '../../src/components/ArchitectureDiagram';
import { estimateModelParams } from '../../src/model/budget';
import '../../src/app/theme.css';

afterEach(() => cleanup());

const model = estimateModelParams(
  { vocab: 256, context: 32, d_model: 64, layers: 4, ffn_mult: 4, mem_layers: [2] },
  { d_model: 64, n_keys: 128, knn: 8, heads: 2, k_dim: 32, v_dim: 0 },
);
const memory = { keys: 'product' as const, slots: 16_384, heads: 2, knn: 8 };

/** Every label and box of the diagram lies inside its drawing, and the drawing inside its box. */
async function clipped(width: number): Promise<string[]> {
  const screen = await render(
    <div style={{ width }}>
      <ArchitectureDiagram {...model} memory={memory} label="the live model" />
    </div>,
  );
  await expect
    .poll(() => screen.container.querySelector('svg')?.getBoundingClientRect().width)
    .toBeGreaterThan(0);
  const svg = screen.container.querySelector('svg')!;
  const frame = svg.getBoundingClientRect();
  const out: string[] = [];
  if (frame.right > (screen.container.firstElementChild as HTMLElement).getBoundingClientRect().right + 0.5)
    out.push(`the drawing is ${Math.round(frame.width)} px wide in a ${width} px box`);
  for (const el of Array.from(svg.querySelectorAll('text, rect'))) {
    const r = el.getBoundingClientRect();
    if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5)
      out.push(
        `"${el.textContent || el.getAttribute('class')}" spans ${Math.round(r.left - frame.left)}–${Math.round(r.right - frame.left)} of ${Math.round(frame.width)} px`,
      );
  }
  // A row's title ends before the residual stream's node.
  for (const row of Array.from(svg.querySelectorAll('.architecture__row'))) {
    const title = row.querySelector('.architecture__title')!.getBoundingClientRect();
    const node = row.querySelector('.architecture__node')!.getBoundingClientRect();
    if (title.right > node.left)
      out.push(`"${row.querySelector('.architecture__title')!.textContent}" runs into the stream`);
  }
  // Box labels stay inside their boxes.
  for (const box of Array.from(svg.querySelectorAll('.architecture__box'))) {
    const rect = box.querySelector('rect')!.getBoundingClientRect();
    const text = box.querySelector('text')!.getBoundingClientRect();
    if (text.right > rect.right + 0.5) out.push(`"${box.textContent}" overflows its box`);
  }
  return out;
}

// The notebook's card on a 390 px phone leaves about 320 px; at 360 px about 290.
for (const width of [320, 290, 700]) {
  test(`the architecture diagram is not cut off in a ${width} px box`, async () => {
    expect(await clipped(width)).toEqual([]);
  });
}
