import { expect, test } from 'vitest';
import { render } from 'vitest-browser-react';
import { BackendBadge } from '../../src/components/BackendBadge';

test('names the backend and explains fallbacks in its tooltip', async () => {
  const screen = await render(
    <BackendBadge
      backend="wasm"
      fallbacks={[{ backend: 'webgpu', reason: 'no WebGPU adapter was found' }]}
    />,
  );
  await expect.element(screen.getByLabelText('Backend')).toHaveTextContent('wasm');
  const badge = screen.container.querySelector('.backend-badge')!;
  expect(badge.getAttribute('title')).toBe('webgpu: no WebGPU adapter was found');
  expect(badge.classList.contains('backend-badge--ready')).toBe(true);
});

test('shows an error state instead of a backend', async () => {
  const screen = await render(<BackendBadge backend={null} error="No tfjs backend could start" />);
  await expect.element(screen.getByLabelText('Backend')).toHaveTextContent('unavailable');
  expect(screen.container.querySelector('.backend-badge--error')).not.toBeNull();
});
