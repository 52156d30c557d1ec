/**
 * Figures as files, built from what is on screen. A figure (its .figure-frame) becomes one SVG:
 * its title, then every SVG chart in it (cloned with the computed styles inlined, so it looks the
 * same outside the page), every canvas as a bitmap <image>, and its HTML text and colour swatches
 * as SVG text and rectangles, each at its place on screen. Controls (buttons, inputs, readouts)
 * are left out. PNG is that SVG drawn into a canvas at twice the size.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
/** Interactive parts that mean nothing in a picture. */
const SKIP =
  'button, input, select, textarea, output, [aria-live], [role="radiogroup"], [role="status"], label:has(input), label:has(select), [data-export="skip"], .figure-export';
/** Properties that decide how SVG content looks. */
const SVG_STYLE = [
  'display',
  'visibility',
  'opacity',
  'fill',
  'fill-opacity',
  'fill-rule',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-linecap',
  'stroke-linejoin',
  'shape-rendering',
  'paint-order',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'letter-spacing',
  'text-anchor',
  'dominant-baseline',
  'alignment-baseline',
  'color',
  'mix-blend-mode',
  'vector-effect',
] as const;

export type FigureFormat = 'png' | 'svg';

export interface FigureRef {
  title: string;
  element: HTMLElement;
}

/** The figures on the page (every .figure-frame with a title), in page order. */
export function listFigures(root: ParentNode = document): FigureRef[] {
  return Array.from(root.querySelectorAll<HTMLElement>('.figure-frame'))
    .map((element) => ({
      title: element.querySelector('.figure-frame__title')?.textContent?.trim() ?? '',
      element,
    }))
    .filter((f) => f.title !== '');
}

function visible(el: Element): boolean {
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden' || Number(style.opacity) === 0) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}

function transparent(color: string): boolean {
  return color === 'transparent' || /rgba\(.*,\s*0\)$/.test(color) || /\/\s*0\)$/.test(color);
}

/** A copy of an on-screen SVG whose every element carries its computed style inline. */
export function cloneSvgWithStyles(source: SVGSVGElement): SVGSVGElement {
  const clone = source.cloneNode(true) as SVGSVGElement;
  const originals = [source, ...Array.from(source.querySelectorAll('*'))];
  const copies = [clone, ...Array.from(clone.querySelectorAll('*'))];
  originals.forEach((el, i) => {
    const copy = copies[i] as SVGElement;
    const computed = getComputedStyle(el);
    for (const prop of SVG_STYLE) {
      const value = computed.getPropertyValue(prop);
      if (value) copy.style.setProperty(prop, value);
    }
    // Classes point at the page's stylesheets, which the file does not have.
    copy.removeAttribute('class');
  });
  const r = source.getBoundingClientRect();
  clone.setAttribute('width', String(r.width));
  clone.setAttribute('height', String(r.height));
  clone.setAttribute('overflow', 'visible');
  return clone;
}

function svgEl<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function textStyle(target: SVGElement, from: Element): void {
  const s = getComputedStyle(from);
  target.style.setProperty('font-family', s.fontFamily);
  target.style.setProperty('font-size', s.fontSize);
  target.style.setProperty('font-weight', s.fontWeight);
  target.style.setProperty('font-style', s.fontStyle);
  target.style.setProperty('letter-spacing', s.letterSpacing);
  target.style.setProperty('white-space', 'pre');
  target.setAttribute('fill', s.color);
}

/** The area covered by what was drawn, in client coordinates. */
class Bounds {
  x0 = Number.POSITIVE_INFINITY;
  y0 = Number.POSITIVE_INFINITY;
  x1 = Number.NEGATIVE_INFINITY;
  y1 = Number.NEGATIVE_INFINITY;
  add(r: { left: number; top: number; width: number; height: number }): void {
    this.x0 = Math.min(this.x0, r.left);
    this.y0 = Math.min(this.y0, r.top);
    this.x1 = Math.max(this.x1, r.left + r.width);
    this.y1 = Math.max(this.y1, r.top + r.height);
  }
  get empty(): boolean {
    return !(this.x1 > this.x0 && this.y1 > this.y0);
  }
}

/** HTML text as SVG text: one <text> per rendered line box of each text node. */
function addText(node: Text, out: SVGGElement, bounds: Bounds): void {
  const content = node.textContent ?? '';
  if (content.trim() === '' || !node.parentElement) return;
  const range = document.createRange();
  range.selectNodeContents(node);
  const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
  if (rects.length === 0) return;
  const parent = node.parentElement;
  const transform = getComputedStyle(parent).textTransform;
  const shown = (t: string) =>
    transform === 'uppercase' ? t.toUpperCase() : transform === 'lowercase' ? t.toLowerCase() : t;
  for (const r of rects) bounds.add(r);
  if (rects.length === 1) {
    const r = rects[0];
    const text = svgEl('text', { x: r.left, y: r.top + r.height / 2, 'dominant-baseline': 'central' });
    text.textContent = shown(content.replace(/\s+/g, ' '));
    textStyle(text, parent);
    out.append(text);
    return;
  }
  // Wrapped text: find where each line starts by measuring the characters.
  const lines: { rect: DOMRect; start: number; end: number }[] = [];
  for (let i = 0; i < content.length; i++) {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const r = range.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const last = lines[lines.length - 1];
    if (!last || r.top > last.rect.top + last.rect.height / 2) lines.push({ rect: r, start: i, end: i + 1 });
    else last.end = i + 1;
  }
  for (const line of lines) {
    const t = content.slice(line.start, line.end).replace(/\s+/g, ' ');
    if (t.trim() === '') continue;
    const text = svgEl('text', {
      x: line.rect.left,
      y: line.rect.top + line.rect.height / 2,
      'dominant-baseline': 'central',
    });
    text.textContent = shown(t);
    textStyle(text, parent);
    out.append(text);
  }
}

/** Controls are left out, except buttons that carry a table's data (e.g. clickable slot ids). */
function skipped(el: Element): boolean {
  if (!el.matches(SKIP)) return false;
  return !(el instanceof HTMLButtonElement && el.closest('td, th'));
}

function addElement(el: Element, out: SVGGElement, root: Element, bounds: Bounds): void {
  if (el !== root && (skipped(el) || !visible(el))) return;
  const r = el.getBoundingClientRect();
  if (el instanceof SVGSVGElement || el instanceof HTMLCanvasElement || el instanceof HTMLImageElement)
    bounds.add(r);
  if (el instanceof SVGSVGElement) {
    const clone = cloneSvgWithStyles(el);
    clone.setAttribute('x', String(r.left));
    clone.setAttribute('y', String(r.top));
    out.append(clone);
    return;
  }
  if (el instanceof HTMLCanvasElement) {
    const image = svgEl('image', {
      x: r.left,
      y: r.top,
      width: r.width,
      height: r.height,
      preserveAspectRatio: 'none',
    });
    const url = el.toDataURL('image/png');
    image.setAttribute('href', url);
    image.setAttributeNS(XLINK_NS, 'xlink:href', url);
    image.style.setProperty('image-rendering', getComputedStyle(el).imageRendering);
    out.append(image);
    return;
  }
  if (el instanceof HTMLImageElement) {
    out.append(
      svgEl('image', {
        x: r.left,
        y: r.top,
        width: r.width,
        height: r.height,
        href: el.currentSrc || el.src,
      }),
    );
    return;
  }
  if (el !== root) {
    const s = getComputedStyle(el);
    // Boxes with a colour of their own: legend swatches, bars, badges.
    if (!transparent(s.backgroundColor)) {
      bounds.add(r);
      out.append(
        svgEl('rect', {
          x: r.left,
          y: r.top,
          width: r.width,
          height: r.height,
          rx: Number.parseFloat(s.borderTopLeftRadius) || 0,
          fill: s.backgroundColor,
        }),
      );
    }
  }
  for (const child of Array.from(el.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) addText(child as Text, out, bounds);
    else if (child.nodeType === Node.ELEMENT_NODE) addElement(child as Element, out, root, bounds);
  }
}

export interface ComposedFigure {
  svg: SVGSVGElement;
  width: number;
  height: number;
}

/** The figure as one standalone SVG element (see the module comment), cropped to what it shows. */
export function composeFigure(frame: HTMLElement, title: string, subtitle = ''): ComposedFigure {
  const body = frame.querySelector<HTMLElement>('.figure-frame__body') ?? frame;
  const pad = 16;
  const titleHeight = 32;
  const content = svgEl('g', {});
  const bounds = new Bounds();
  addElement(body, content, body, bounds);
  const box = bounds.empty ? body.getBoundingClientRect() : null;
  const x0 = box ? box.left : bounds.x0;
  const y0 = box ? box.top : bounds.y0;
  const contentWidth = box ? box.width : bounds.x1 - bounds.x0;
  const contentHeight = box ? box.height : bounds.y1 - bounds.y0;
  content.setAttribute('transform', `translate(${pad - x0},${pad + titleHeight - y0})`);
  // Wide enough for the title line too (about 0.6 em per character at the title's size).
  const width = Math.ceil(Math.max(contentWidth, (title.length + subtitle.length + 4) * 8) + 2 * pad);
  const height = Math.ceil(contentHeight + titleHeight + 2 * pad);
  const frameStyle = getComputedStyle(frame);
  const background = transparent(frameStyle.backgroundColor)
    ? getComputedStyle(document.body).backgroundColor
    : frameStyle.backgroundColor;
  const svg = svgEl('svg', { xmlns: SVG_NS, width, height, viewBox: `0 0 ${width} ${height}` });
  svg.setAttribute('xmlns:xlink', XLINK_NS);
  svg.append(svgEl('rect', { x: 0, y: 0, width, height, fill: background }));
  const heading = frame.querySelector('.figure-frame__title') ?? frame;
  const t = svgEl('text', { x: pad, y: pad + 12, 'dominant-baseline': 'central' });
  t.textContent = title;
  textStyle(t, heading);
  t.style.setProperty('font-weight', '650');
  svg.append(t);
  if (subtitle) {
    const sub = svgEl('text', {
      x: width - pad,
      y: pad + 12,
      'dominant-baseline': 'central',
      'text-anchor': 'end',
    });
    sub.textContent = subtitle;
    textStyle(sub, heading);
    sub.style.setProperty('font-weight', '400');
    sub.style.setProperty('font-size', '11px');
    sub.setAttribute('fill-opacity', '0.7');
    svg.append(sub);
  }
  svg.append(content);
  return { svg, width, height };
}

export function svgText(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
}

/** Draws SVG text into a canvas (`scale` × its size) on its own background and encodes it as PNG. */
export async function svgToPng(text: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('this browser gave no 2D canvas to draw the figure into');
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A figure as an SVG or PNG file. */
export async function figureBlob(
  frame: HTMLElement,
  format: FigureFormat,
  title: string,
  subtitle = '',
): Promise<Blob> {
  const { svg, width, height } = composeFigure(frame, title, subtitle);
  const text = svgText(svg);
  if (format === 'svg') return new Blob([text], { type: 'image/svg+xml' });
  return svgToPng(text, width, height);
}
