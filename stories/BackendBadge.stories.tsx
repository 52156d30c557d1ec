import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { BackendBadge } from '../src/components/BackendBadge';

const meta = { component: BackendBadge, title: 'Status/BackendBadge' } satisfies Meta<typeof BackendBadge>;
export default meta;
type Story = StoryObj<typeof meta>;

export const WebGPU: Story = {
  args: { backend: 'webgpu', detail: 'software adapter' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByLabelText('Backend')).toHaveTextContent('webgpu');
  },
};

export const Starting: Story = {
  args: { backend: null },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByLabelText('Backend')).toHaveTextContent('starting');
  },
};

export const FellBack: Story = {
  args: {
    backend: 'wasm',
    fallbacks: [
      { backend: 'webgpu', reason: 'navigator.gpu is missing' },
      { backend: 'webgl', reason: 'no WebGL context' },
    ],
  },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/fell back from webgpu, webgl/)).toBeInTheDocument();
  },
};

export const Failed: Story = {
  args: { backend: null, error: 'No tfjs backend could start' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByLabelText('Backend')).toHaveTextContent('unavailable');
  },
};
