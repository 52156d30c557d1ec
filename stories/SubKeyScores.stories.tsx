import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, within } from 'storybook/test';
import { SubKeyScores } from '../src/components/SubKeyScores';
import { lookupTrace } from '../test/fixtures';

const head = lookupTrace({}, 8).heads[0];

const meta = {
  component: SubKeyScores,
  title: 'Lookup/SubKeyScores',
  args: { scores: head.subScores[0], selected: head.subTop![0].indices, label: 'head 1, half 1' },
} satisfies Meta<typeof SubKeyScores>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Sorted: Story = {
  play: async ({ canvasElement }) => {
    const bars = canvasElement.querySelectorAll('.subkey-bar');
    await expect(bars.length).toBe(32);
    // Sorted: the first k bars are the selected ones.
    const selected = [...bars].slice(0, 8).every((b) => b.classList.contains('subkey-bar--selected'));
    await expect(selected).toBe(true);
    await expect(canvasElement.querySelectorAll('.subkey-bar--selected').length).toBe(8);
  },
};

export const KeyOrderToggle: Story = {
  args: { onOrderChange: fn() },
  play: async ({ args, canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('radio', { name: 'Key order' }));
    await expect(args.onOrderChange).toHaveBeenCalledWith('key');
    const keys = [...canvasElement.querySelectorAll('.subkey-bar')].map((b) =>
      Number(b.getAttribute('data-key')),
    );
    await expect(keys).toEqual(Array.from({ length: 32 }, (_, i) => i));
    await expect(c.getByRole('img', { name: /key order/ })).toBeInTheDocument();
  },
};

export const KeyboardReadout: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('application'));
    await userEvent.keyboard('{ArrowRight}');
    await expect(c.getByRole('status')).toHaveTextContent(`Sub-key ${head.subTop![0].indices[0]} · score`);
    await expect(c.getByRole('status')).toHaveTextContent('rank 1 of 32 · selected (top-8)');
  },
};

const k1 = lookupTrace({ knn: 1 }, 5).heads[0];
export const TopOne: Story = {
  name: 'k = 1',
  args: { scores: k1.subScores[1], selected: k1.subTop![1].indices, label: 'head 1, half 2' },
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.subkey-bar--selected').length).toBe(1);
  },
};

const kn = lookupTrace({ n_keys: 8, knn: 8, heads: 1 }, 5).heads[0];
export const AllSelected: Story = {
  name: 'k = n_keys',
  args: { scores: kn.subScores[0], selected: kn.subTop![0].indices },
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.subkey-bar--selected').length).toBe(8);
  },
};

const big = lookupTrace({ n_keys: 512, knn: 32, heads: 1, k_dim: 64 }, 5).heads[0];
export const FiveTwelveKeys: Story = {
  name: '512 sub-keys, k = 32',
  args: { scores: big.subScores[0], selected: big.subTop![0].indices, defaultOrder: 'key' },
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.subkey-bar--selected').length).toBe(32);
  },
};

export const Empty: Story = {
  args: { scores: new Float32Array(0), selected: new Int32Array(0) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};

export const NaNScores: Story = {
  args: { scores: Float32Array.from([0.5, Number.NaN, 0.2]), selected: Int32Array.from([0]) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/1 of 3 scores are not finite/)).toBeInTheDocument();
  },
};
