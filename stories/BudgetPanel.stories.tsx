import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, within } from 'storybook/test';
import { BudgetPanel } from '../src/components/BudgetPanel';

const meta = {
  component: BudgetPanel,
  title: 'Model/BudgetPanel',
  args: { d_model: 64, n_keys: 32, knn: 8, heads: 2, k_dim: 32, v_dim: 0 },
} satisfies Meta<typeof BudgetPanel>;
export default meta;
type Story = StoryObj<typeof meta>;

export const DefaultConfig: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: 'Budget panel' })).toBeInTheDocument();
    // 2 heads × (2·32 + 8²) scores for product keys, 2 × 1,024 for flat keys.
    await expect(c.getByRole('row', { name: /Product keys/ })).toHaveTextContent('256');
    await expect(c.getByRole('row', { name: /Flat keys/ })).toHaveTextContent('2,048');
  },
};

export const PaperMemory: Story = {
  name: 'Paper memory (n = 512, k = 32, 4 heads)',
  args: { d_model: 1024, n_keys: 512, knn: 32, heads: 4, k_dim: 512, v_dim: 0 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('row', { name: /Product keys/ })).toHaveTextContent('272M');
  },
};

function Live() {
  const [n, setN] = useState(32);
  return (
    <div>
      <label>
        n_keys{' '}
        <input type="number" value={n} min={2} max={1024} onChange={(e) => setN(Number(e.target.value))} />
      </label>
      <BudgetPanel d_model={64} n_keys={n} knn={8} heads={2} k_dim={32} v_dim={0} />
    </div>
  );
}

export const LiveConfig: Story = {
  render: () => <Live />,
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const input = c.getByRole('spinbutton', { name: 'n_keys' });
    await userEvent.clear(input);
    await userEvent.type(input, '64');
    await expect(c.getByRole('row', { name: /Flat keys/ })).toHaveTextContent('8,192');
  },
};

export const TopOne: Story = {
  name: 'k = 1, 1 head',
  args: { knn: 1, heads: 1 },
};

export const Invalid: Story = {
  args: { k_dim: 33 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/k_dim must be even/)).toBeInTheDocument();
  },
};
