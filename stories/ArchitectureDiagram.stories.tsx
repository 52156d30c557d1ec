import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { ArchitectureDiagram } from '../src/components/ArchitectureDiagram';
import { estimateModelParams } from '../src/model/budget';

const memory = { d_model: 64, n_keys: 32, knn: 8, heads: 2, k_dim: 32, v_dim: 0 };
const shape = { vocab: 256, context: 32, d_model: 64, layers: 4, ffn_mult: 4, mem_layers: [2] };
const model = estimateModelParams(shape, memory);
const info = { keys: 'product' as const, slots: 1024, heads: 2, knn: 8 };

const meta = {
  component: ArchitectureDiagram,
  title: 'Model/ArchitectureDiagram',
  args: { ...model, memory: info },
} satisfies Meta<typeof ArchitectureDiagram>;
export default meta;
type Story = StoryObj<typeof meta>;

export const DefaultModel: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('img', { name: /4 blocks, memory in block 3/ })).toBeInTheDocument();
    await expect(canvasElement.querySelectorAll('.architecture__box--memory').length).toBe(1);
  },
};

/** On a phone (a 320 px card): no bar column, row totals at the right, nothing cut off. */
export const Phone: Story = {
  decorators: [
    (Story) => (
      <div style={{ width: 320 }}>
        <Story />
      </div>
    ),
  ],
  play: async ({ canvasElement }) => {
    const svg = canvasElement.querySelector('svg')!;
    const right = svg.getBoundingClientRect().right;
    for (const text of Array.from(svg.querySelectorAll('text'))) {
      await expect(text.getBoundingClientRect().right).toBeLessThanOrEqual(right + 0.5);
    }
  },
};

export const Baseline: Story = {
  args: { ...estimateModelParams({ ...shape, mem_layers: [] }, memory) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/no memory \(baseline\)/)).toBeInTheDocument();
  },
};

export const PaperScale: Story = {
  name: '12 layers, memory in two, n = 512',
  args: {
    ...estimateModelParams(
      { vocab: 256, context: 256, d_model: 512, layers: 12, ffn_mult: 4, mem_layers: [5, 9] },
      { d_model: 512, n_keys: 512, knn: 32, heads: 4, k_dim: 256, v_dim: 0 },
    ),
    memory: { keys: 'product', slots: 262_144, heads: 4, knn: 32 },
  },
};

export const Empty: Story = {
  args: { embedding: 0, blocks: [], head: 0 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};

export const Invalid: Story = {
  args: { embedding: 100, blocks: [{ attention: Number.NaN, ffn: 10, memory: false }], head: 10 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/must be finite/)).toBeInTheDocument();
  },
};
