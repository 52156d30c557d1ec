import { requireChromium } from './chromium';

/** Global setup of every browser project: no Chromium is a failure, never a skip. */
export default function setup(): void {
  requireChromium();
}
