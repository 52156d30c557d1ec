import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { colourLut, packCssColor } from '../../src/components/chart/palette';
import { heatStats, paintHeatmap } from '../../src/components/heatmap/paintHeatmap';
import { UsageHeatmap, type UsageSeries } from '../../src/components/UsageHeatmap';
import { round, summarize } from '../lib/stats';

/**
 * Redraw time of a 512×512 usage heat map on the main thread, three ways:
 * - redraw: what the UsageHeatmap component does for new data, done directly: heatStats +
 *   paintHeatmap into ImageData + putImageData on an n×n canvas + drawImage scaled onto the
 *   visible canvas (nearest neighbour), then a 1-pixel getImageData that waits until the pixels
 *   are really in the canvas (Chromium otherwise defers the raster work);
 * - paint: paintHeatmap alone;
 * - component: the UsageHeatmap component given new counts (React render + commit, whose layout
 *   effects paint and draw), main-thread time.
 * Each redraw runs in its own animation frame, with fresh counts each time (two arrays alternate).
 */

export interface HeatmapTimes {
  heatmap_ms: number;
  heatmap_spread: [number, number];
  heatmap_paint_ms: number;
  heatmap_component_ms: number;
}

const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r));

/** Usage-like counts: a fifth of the slots dead, the rest geometric with a long tail. */
function usageCounts(slots: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(slots);
  for (let i = 0; i < slots; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const u = ((s >>> 0) + 0.5) / 2 ** 32;
    out[i] = u < 0.2 ? 0 : Math.floor(-Math.log(u) * 40);
  }
  return out;
}

function canvas(width: number, parent: HTMLElement): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = width;
  parent.appendChild(c);
  return c;
}

export async function benchHeatmap(nKeys: number, reps: number, host: HTMLElement): Promise<HeatmapTimes> {
  const slots = nKeys * nKeys;
  const data = [usageCounts(slots, 1), usageCounts(slots, 2)];
  const size = 560;
  const lut = colourLut();
  const dead = packCssColor('#ffffff');
  const image = new ImageData(nKeys, nKeys);
  const pixels = new Uint32Array(image.data.buffer);
  const source = document.createElement('canvas');
  source.width = nKeys;
  source.height = nKeys;
  const sourceCtx = source.getContext('2d')!;
  const visible = canvas(size, host);
  const ctx = visible.getContext('2d')!;

  const redraw: number[] = [];
  const paint: number[] = [];
  for (let r = -3; r < reps; r++) {
    const values = data[(r + 3) % 2];
    await nextFrame();
    const t0 = performance.now();
    const stats = heatStats(values);
    const t1 = performance.now();
    paintHeatmap(values, pixels, lut, {
      scale: 'linear',
      max: stats.max,
      minPositive: stats.minPositive,
      dead,
    });
    const t2 = performance.now();
    sourceCtx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, size, size);
    ctx.drawImage(source, 0, 0, size, size);
    ctx.getImageData(0, 0, 1, 1);
    const t3 = performance.now();
    if (r >= 0) {
      redraw.push(t3 - t0);
      paint.push(t2 - t1);
    }
  }

  const mount = document.createElement('div');
  mount.style.width = `${size + 40}px`;
  host.appendChild(mount);
  const root = createRoot(mount);
  const series = (values: Float32Array): UsageSeries[] => [{ label: 'bench', counts: values }];
  flushSync(() => root.render(<UsageHeatmap n_keys={nKeys} series={series(data[0])} maxSize={size} />));
  await nextFrame();
  await nextFrame();
  const component: number[] = [];
  for (let r = -3; r < reps; r++) {
    const values = data[(r + 4) % 2];
    await nextFrame();
    const t0 = performance.now();
    flushSync(() => root.render(<UsageHeatmap n_keys={nKeys} series={series(values)} maxSize={size} />));
    if (r >= 0) component.push(performance.now() - t0);
  }
  root.unmount();
  host.replaceChildren();

  const s = summarize(redraw);
  return {
    heatmap_ms: round(s.median),
    heatmap_spread: [round(s.p25), round(s.p75)],
    heatmap_paint_ms: round(summarize(paint).median),
    heatmap_component_ms: round(summarize(component).median),
  };
}

/**
 * A live usage view: the UsageHeatmap component given new counts every `intervalMs`, as the app
 * would show usage while it trains. Returns a function that stops it and unmounts the component.
 */
export function startLiveHeatmap(nKeys: number, intervalMs: number, host: HTMLElement): () => number {
  const data = [usageCounts(nKeys * nKeys, 3), usageCounts(nKeys * nKeys, 4)];
  const mount = document.createElement('div');
  mount.style.width = '600px';
  host.appendChild(mount);
  const root = createRoot(mount);
  let updates = 0;
  const render = () => {
    const counts = data[updates++ % 2];
    root.render(<UsageHeatmap n_keys={nKeys} series={[{ label: 'live', counts }]} maxSize={560} />);
  };
  render();
  const timer = setInterval(render, intervalMs);
  return () => {
    clearInterval(timer);
    root.unmount();
    mount.remove();
    return updates;
  };
}
