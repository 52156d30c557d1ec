import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { CandidateGrid } from '../src/components/CandidateGrid';
import { candidateGridProps } from '../src/components/fromTrace';
import { lookupTrace } from '../test/fixtures';

const trace = lookupTrace({}, 8);

const meta = {
  component: CandidateGrid,
  title: 'Lookup/CandidateGrid',
  args: candidateGridProps(trace, 0)!,
} satisfies Meta<typeof CandidateGrid>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Default: Story = {
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.candidate-cell').length).toBe(64);
    await expect(canvasElement.querySelectorAll('.candidate-selected').length).toBe(8);
    // The best candidate is always a_1 + b_1.
    const best = canvasElement.querySelector('.candidate-selected[data-rank="0"]')!;
    await expect([best.getAttribute('data-row'), best.getAttribute('data-col')]).toEqual(['0', '0']);
  },
};

export const KeyboardReadout: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('application'));
    await userEvent.keyboard('{ArrowDown}');
    await expect(c.getByRole('status')).toHaveTextContent(
      /^a1 \(sub-key \d+\) .* \+ b1 .* top-8 rank 1, weight/,
    );
    await userEvent.keyboard('{End}');
    await expect(c.getByRole('status')).toHaveTextContent(/b8/);
  },
};

export const TopOne: Story = {
  name: 'k = 1',
  args: candidateGridProps(lookupTrace({ knn: 1 }, 4), 0)!,
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.candidate-cell').length).toBe(1);
    await expect(canvasElement.querySelectorAll('.candidate-selected').length).toBe(1);
    await expect(within(canvasElement).getByText('1')).toBeInTheDocument();
  },
};

export const AllCandidates: Story = {
  name: 'k = n_keys (every slot is a candidate)',
  args: candidateGridProps(lookupTrace({ n_keys: 8, knn: 8, heads: 1 }, 4), 0)!,
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.candidate-selected').length).toBe(8);
  },
};

export const PaperK: Story = {
  name: 'k = 32 at n = 512',
  args: candidateGridProps(lookupTrace({ n_keys: 512, knn: 32, heads: 1, k_dim: 64 }, 4), 0)!,
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.candidate-cell').length).toBe(32 * 32);
    await expect(canvasElement.querySelectorAll('.candidate-selected').length).toBe(32);
  },
};

export const Empty: Story = {
  args: {
    rowScores: [],
    colScores: [],
    rowKeys: [],
    colKeys: [],
    selected: { row: [], col: [] },
    weights: [],
  },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};

export const NaNWeights: Story = {
  args: { ...candidateGridProps(trace, 1)!, weights: new Float32Array(8).fill(Number.NaN) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/not finite/)).toBeInTheDocument();
  },
};
