/**
 * Checks run inside a page of the app (page.evaluate): WCAG AA contrast of every visible text, and
 * horizontal overflow of the page. Each function is self-contained because Playwright sends its
 * source to the page.
 */
import type { Page } from 'playwright-core';

export interface ContrastOffender {
  text: string;
  where: string;
  ratio: number;
  needed: number;
  color: string;
  background: string;
}

/**
 * Every element with its own visible text (HTML text and SVG <text>), its colour composited over
 * its effective background (the ancestors' background colours, alpha and opacity included), and
 * the WCAG ratio against 4.5:1 (3:1 for large text: 24 px, or 18.66 px bold). Disabled controls
 * are exempt (WCAG 1.4.3), as are texts over an image or gradient, which cannot be computed here.
 */
export function contrastOffenders(page: Page): Promise<{ checked: number; offenders: ContrastOffender[] }> {
  return page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const cache = new Map<string, [number, number, number, number]>();
    // Any CSS colour (rgb, oklch, color-mix results) to sRGB bytes and alpha, by painting it.
    const rgba = (css: string): [number, number, number, number] => {
      const hit = cache.get(css);
      if (hit) return hit;
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = '#000';
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      const a = d[3] / 255;
      // getImageData un-premultiplies: the bytes are the colour itself.
      const v: [number, number, number, number] = [d[0], d[1], d[2], a];
      cache.set(css, v);
      return v;
    };
    const over = (top: [number, number, number, number], under: [number, number, number]) =>
      [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])) as [number, number, number];
    const luminance = (c: [number, number, number]) => {
      const lin = c.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    };
    const hex = (c: number[]) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

    // The opaque colour behind `el`: its and its ancestors' backgrounds, bottom-most first.
    const background = (el: Element): [number, number, number] | null => {
      const layers: [number, number, number, number][] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.backgroundImage !== 'none' && !style.backgroundImage.startsWith('url(')) return null;
        const c = rgba(style.backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let color: [number, number, number] = [255, 255, 255];
      for (const layer of layers.reverse()) color = over(layer, color);
      return color;
    };
    // SVG text sits on the shapes painted before it (cells, boxes), not on a CSS background.
    const svgBehind = (el: SVGElement, base: [number, number, number]): [number, number, number] => {
      const svg = el.ownerSVGElement;
      if (!svg) return base;
      const r = el.getBoundingClientRect();
      const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
      let color = base;
      for (const shape of Array.from(svg.querySelectorAll('rect, circle, ellipse'))) {
        if (!(shape.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        const b = shape.getBoundingClientRect();
        if (x < b.left || x > b.right || y < b.top || y > b.bottom) continue;
        const style = getComputedStyle(shape);
        if (style.fill === 'none' || style.visibility === 'hidden' || style.display === 'none') continue;
        const fill = rgba(style.fill);
        color = over(
          [fill[0], fill[1], fill[2], fill[3] * Number(style.fillOpacity) * opacity(shape)],
          color,
        );
      }
      return color;
    };
    const opacity = (el: Element) => {
      let o = 1;
      for (let e: Element | null = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
      return o;
    };
    const ownText = (el: Element) =>
      Array.from(el.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
    const describe = (el: Element) => {
      const parts: string[] = [];
      for (let e: Element | null = el; e && parts.length < 3; e = e.parentElement) {
        const cls = typeof e.className === 'string' && e.className ? `.${e.className.split(' ')[0]}` : '';
        parts.unshift(`${e.tagName.toLowerCase()}${cls}`);
      }
      return parts.join(' > ');
    };

    const offenders: ContrastOffender[] = [];
    let checked = 0;
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const text = ownText(el);
      if (!text || el.closest('script, style, noscript, option, title')) continue;
      if (el.closest(':disabled, [aria-disabled="true"]')) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width < 2 || rect.height < 2) continue;
      if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      const style = getComputedStyle(el);
      // Screen-reader-only text (clipped to a pixel) is not seen.
      if (style.clip === 'rect(0px, 0px, 0px, 0px)' || style.clipPath === 'inset(50%)') continue;
      const html = background(el instanceof SVGElement ? (el.ownerSVGElement ?? el) : el);
      if (!html) continue;
      const back = el instanceof SVGElement ? svgBehind(el, html) : html;
      const isSvgText = el instanceof SVGElement;
      const fg = rgba(isSvgText ? style.fill : style.color);
      if (isSvgText && style.fill === 'none') continue;
      const alpha = fg[3] * opacity(el);
      const shown = over([fg[0], fg[1], fg[2], alpha], back);
      const [l1, l2] = [luminance(shown), luminance(back)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      checked++;
      if (ratio + 1e-6 < needed) {
        offenders.push({
          text: text.slice(0, 40),
          where: describe(el),
          ratio: Math.round(ratio * 100) / 100,
          needed,
          color: hex(shown),
          background: hex(back),
        });
      }
    }
    return { checked, offenders };
  });
}

/** How far the page scrolls sideways (0 when it fits), and the elements that stick out. */
export function horizontalOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const culprits: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && r.width > 0) {
        // Only the outermost element that sticks out, not each of its children.
        const parent = el.parentElement?.getBoundingClientRect();
        if (parent && parent.right > width + 1) continue;
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.split(' ')[0]}` : '';
        culprits.push(`${el.tagName.toLowerCase()}${cls} (right ${Math.round(r.right)})`);
      }
    }
    return { overflow: root.scrollWidth - width, culprits: culprits.slice(0, 8) };
  });
}

/** Visible texts cut off with "…" (text-overflow: ellipsis and more text than room). */
export function truncatedTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll<HTMLElement>('*'))) {
      const style = getComputedStyle(el);
      if (style.textOverflow !== 'ellipsis' || !el.checkVisibility()) continue;
      if (el.scrollWidth > el.clientWidth + 1)
        out.push(`"${(el.textContent ?? '').trim().slice(0, 60)}" (${el.className})`);
    }
    return out;
  });
}
