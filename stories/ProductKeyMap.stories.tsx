import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, within } from 'storybook/test';
import { productKeyMapProps } from '../src/components/fromTrace';
import { ProductKeyMap } from '../src/components/ProductKeyMap';
import { lookupTrace } from '../test/fixtures';

const trace = lookupTrace({}, 8);

const meta = {
  component: ProductKeyMap,
  title: 'Lookup/ProductKeyMap',
  args: { ...productKeyMapProps(trace), onSelectSlot: fn() },
} satisfies Meta<typeof ProductKeyMap>;
export default meta;
type Story = StoryObj<typeof meta>;

export const TwoHeads: Story = {
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.pkm-map-slot').length).toBe(16);
    await expect(canvasElement.querySelectorAll('.pkm-map-row').length).toBe(16);
    await expect(canvasElement.querySelectorAll('.pkm-map-col').length).toBe(16);
  },
};

export const StepAndInspect: Story = {
  play: async ({ args, canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('application'));
    await userEvent.keyboard('{ArrowRight}');
    const first = trace.heads[0];
    await expect(c.getByRole('status')).toHaveTextContent(
      `(${first.rows[0]}, ${first.cols[0]}) · head 1 rank 1`,
    );
    await userEvent.keyboard('{Enter}');
    await expect(args.onSelectSlot).toHaveBeenCalledWith(first.slots[0]);
  },
};

export const HideAHead: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('button', { name: /Head 2/ }));
    await expect(c.getByRole('button', { name: /Head 2/ })).toHaveAttribute('aria-pressed', 'false');
    await expect(canvasElement.querySelectorAll('.pkm-map-slot').length).toBe(8);
  },
};

export const OneHeadKOne: Story = {
  name: '1 head, k = 1',
  args: productKeyMapProps(lookupTrace({ heads: 1, knn: 1 }, 2)),
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.pkm-map-slot').length).toBe(1);
  },
};

export const KEqualsN: Story = {
  name: 'k = n_keys',
  args: productKeyMapProps(lookupTrace({ n_keys: 8, knn: 8, heads: 2 }, 2)),
};

export const FiveTwelve: Story = {
  name: '512 × 512, 4 heads, k = 32',
  args: productKeyMapProps(lookupTrace({ n_keys: 512, knn: 32, heads: 4, k_dim: 64 }, 2)),
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.pkm-map-slot').length).toBe(128);
  },
};

export const Empty: Story = {
  args: { n_keys: 32, heads: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};

export const Invalid: Story = {
  args: { n_keys: 4, heads: [{ rows: [9], cols: [0], weights: [1] }] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/outside 0–3/)).toBeInTheDocument();
  },
};
