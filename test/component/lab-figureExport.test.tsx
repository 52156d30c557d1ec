import { expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { FigureExportMenu } from '../../src/app/lab/export/FigureExportMenu';
import { composeFigure, figureBlob, listFigures, svgText } from '../../src/app/lab/export/figureExport';
import { CoverageStats } from '../../src/components/CoverageStats';
import { LossChart } from '../../src/components/LossChart';
import { UsageHeatmap } from '../../src/components/UsageHeatmap';
import { coverageHistory, lossRuns } from '../fixtures';
import '../../src/app/theme.css';
import '../../src/app/app.css';
import '../../src/app/lab/common/labFeatures.css';

/** A figure card as the app draws it (title, body), with the export menu in its head. */
function Frame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="figure-frame" style={{ width: 640 }}>
      <div className="figure-frame__head">
        <h3 className="figure-frame__title">{title}</h3>
        <span className="data-tag">live · step 40</span>
        <FigureExportMenu title={title} />
      </div>
      <div className="figure-frame__body">{children}</div>
    </div>
  );
}

async function pngSize(blob: Blob): Promise<{ width: number; height: number }> {
  const bitmap = await createImageBitmap(blob);
  return { width: bitmap.width, height: bitmap.height };
}

test('an SVG chart exports as standalone SVG with its styles inlined, and as PNG at twice its size', async () => {
  const screen = await render(
    <Frame title="Loss">
      <LossChart runs={lossRuns()} height={220} />
    </Frame>,
  );
  const frame = screen.container.querySelector<HTMLElement>('.figure-frame')!;
  expect(listFigures(screen.container).map((f) => f.title)).toEqual(['Loss']);
  const { svg, width, height } = composeFigure(frame, 'Loss', 'live · step 40');
  const text = svgText(svg);
  // Parsed on its own, without the page's stylesheets.
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  expect(doc.querySelector('parsererror')).toBeNull();
  const lines = doc.querySelectorAll('path');
  expect(lines.length).toBeGreaterThanOrEqual(6);
  const strokes = [...lines].map((p) => p.getAttribute('style') ?? '').filter((s) => /stroke: rgb/.test(s));
  expect(strokes.length).toBeGreaterThanOrEqual(6);
  expect(text).not.toContain('class=');
  const texts = [...doc.querySelectorAll('text')].map((t) => t.textContent);
  expect(texts).toContain('Loss');
  expect(texts).toContain('live · step 40');
  // The legend's run names come along as text; the "Log y" control does not.
  for (const run of lossRuns()) expect(texts).toContain(run.name);
  expect(texts.join(' ')).not.toMatch(/Log y/);

  const png = await figureBlob(frame, 'png', 'Loss');
  expect(png.type).toBe('image/png');
  expect(await pngSize(png)).toEqual({ width: Math.round(width * 2), height: Math.round(height * 2) });
});

test('a canvas figure embeds its bitmap as an <image>, and its PNG has the heat map pixels', async () => {
  const counts = new Float32Array(64).map((_, i) => (i % 7 === 0 ? 0 : i));
  const screen = await render(
    <Frame title="Slot usage">
      <UsageHeatmap n_keys={8} series={[{ label: 'Head 1', counts }]} maxSize={256} />
    </Frame>,
  );
  const frame = screen.container.querySelector<HTMLElement>('.figure-frame')!;
  const svg = await (await figureBlob(frame, 'svg', 'Slot usage')).text();
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const image = doc.querySelector('image')!;
  expect(image.getAttribute('href')).toMatch(/^data:image\/png;base64,/);
  expect(Number(image.getAttribute('width'))).toBeGreaterThan(100);
  const png = await figureBlob(frame, 'png', 'Slot usage');
  const bitmap = await createImageBitmap(png);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  // Somewhere in the middle of the picture there are viridis colours, not just the background.
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const colours = new Set<string>();
  for (let i = 0; i < data.length; i += 4 * 97) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
  expect(colours.size).toBeGreaterThan(10);
});

test('an HTML figure exports its text and sparklines', async () => {
  const screen = await render(
    <Frame title="Coverage">
      <CoverageStats history={coverageHistory({ steps: 200, every: 50 })} slots={1024} />
    </Frame>,
  );
  const frame = screen.container.querySelector<HTMLElement>('.figure-frame')!;
  const text = await (await figureBlob(frame, 'svg', 'Coverage')).text();
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const words = [...doc.querySelectorAll('text')].map((t) => t.textContent).join(' ');
  expect(words).toMatch(/Usage/);
  expect(words).toMatch(/Gini/);
  // One sparkline per metric.
  expect(doc.querySelectorAll('svg svg').length).toBeGreaterThanOrEqual(6);
});

test('the menu in the head downloads the figure and closes with Escape', async () => {
  const screen = await render(
    <Frame title="Loss">
      <LossChart runs={lossRuns()} height={200} />
    </Frame>,
  );
  const clicked: { name: string; type: string }[] = [];
  // Downloads go through an <a download> click: record them instead of leaving the page.
  const original = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    clicked.push({ name: this.download, type: this.href.slice(0, 5) });
  };
  try {
    await userEvent.click(screen.getByLabelText('Export figure: Loss'));
    await userEvent.click(screen.getByRole('button', { name: 'SVG vector' }));
    await expect.poll(() => clicked.length).toBe(1);
    expect(clicked[0]).toEqual({ name: 'pkm-loss.svg', type: 'blob:' });
    const details = screen.container.querySelector('details')!;
    expect(details.open).toBe(false);
    await userEvent.click(screen.getByLabelText('Export figure: Loss'));
    expect(details.open).toBe(true);
    await userEvent.keyboard('{Escape}');
    expect(details.open).toBe(false);
  } finally {
    HTMLAnchorElement.prototype.click = original;
  }
});
