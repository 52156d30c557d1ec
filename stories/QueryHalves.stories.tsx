import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { QueryHalves } from '../src/components/QueryHalves';
import { EVAL_TEXT, lookupTrace } from '../test/fixtures';

const trace = lookupTrace({}, 8);

const meta = {
  component: QueryHalves,
  title: 'Lookup/QueryHalves',
  args: { heads: trace.heads, normLabel: 'batchnorm', token: EVAL_TEXT[8] },
} satisfies Meta<typeof QueryHalves>;
export default meta;
type Story = StoryObj<typeof meta>;

export const TwoHeads: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: /^Query halves/ })).toBeInTheDocument();
    const plot = c.getByRole('application');
    await userEvent.click(plot);
    await userEvent.keyboard('{ArrowRight}{ArrowDown}{ArrowDown}{End}');
    await expect(c.getByRole('status')).toHaveTextContent(/Head 2 · q₂\[7\] \(dim 15\)/);
  },
};

export const OneHead: Story = {
  args: { heads: lookupTrace({ heads: 1, query_norm: 'layernorm' }, 3).heads, normLabel: 'layernorm' },
  play: async ({ canvasElement }) => {
    const bars = canvasElement.querySelectorAll('.query-halves__bar');
    await expect(bars.length).toBe(2 * 16);
  },
};

export const PaperWidthQuery: Story = {
  name: 'k_dim 256, 4 heads',
  args: { heads: lookupTrace({ heads: 4, k_dim: 256, n_keys: 16, knn: 4 }, 20).heads },
};

export const Empty: Story = {
  args: { heads: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};

export const NaNQuery: Story = {
  args: { heads: [{ query: [1, Number.NaN, 2, 3], queryNormed: [0.1, 0.2, 0.3, 0.4] }] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/non-finite/)).toBeInTheDocument();
  },
};
