import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, within } from 'storybook/test';
import { LossChart } from '../src/components/LossChart';
import { lossRuns } from '../test/fixtures';

const runs = lossRuns();

const meta = {
  component: LossChart,
  title: 'Training/LossChart',
  args: { runs, onLogYChange: fn() },
} satisfies Meta<typeof LossChart>;
export default meta;
type Story = StoryObj<typeof meta>;

export const ThreeRuns: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: 'Loss chart' })).toBeInTheDocument();
    await expect(canvasElement.querySelectorAll('.loss-line').length).toBe(6);
    await expect(c.getByRole('list', { name: 'Runs' })).toHaveTextContent('memory (product keys)');
  },
};

export const LogYAndReadout: Story = {
  play: async ({ args, canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('checkbox', { name: 'Log y' }));
    await expect(args.onLogYChange).toHaveBeenCalledWith(true);
    await expect(c.getByRole('img', { name: /log loss axis/ })).toBeInTheDocument();
    await userEvent.click(c.getByRole('application'));
    await userEvent.keyboard('{End}');
    await expect(c.getByRole('status')).toHaveTextContent(
      /^Step 2,000 · memory \(product keys\): train .*, val /,
    );
  },
};

/** A finished run shown for comparison: the step axis follows the short live run; the reference is cut at its edge. */
export const LiveAgainstReference: Story = {
  args: {
    runs: [
      { ...runs[0], name: 'precomputed (2,000 steps)', reference: true },
      {
        name: 'live model',
        train: {
          steps: Array.from(runs[1].train!.steps).slice(0, 60),
          loss: Array.from(runs[1].train!.loss).slice(0, 60),
        },
      },
    ],
  },
  play: async ({ canvasElement }) => {
    const last = runs[1].train!.steps[59];
    await expect(within(canvasElement).getByRole('img', { name: /^Loss chart/ })).toHaveAttribute(
      'aria-label',
      expect.stringContaining(`–${last.toLocaleString('en')},`),
    );
  },
};

export const OneRunTrainOnly: Story = {
  args: { runs: [{ name: 'memory', train: runs[0].train }] },
};

export const Diverged: Story = {
  name: 'NaN after divergence',
  args: {
    runs: [
      {
        name: 'lr too high',
        train: {
          steps: runs[0].train!.steps.slice(0, 400),
          loss: Float32Array.from(runs[0].train!.loss.slice(0, 400), (v, i) => (i > 300 ? Number.NaN : v)),
        },
      },
    ],
  },
  play: async ({ canvasElement }) => {
    await expect(
      within(canvasElement).getByText(/99 NaN or infinite values are not drawn/),
    ).toBeInTheDocument();
  },
};

export const AllNaN: Story = {
  args: {
    runs: [{ name: 'broken', train: { steps: [1, 2, 3], loss: [Number.NaN, Number.NaN, Number.NaN] } }],
  },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/All 3 loss values are NaN/)).toBeInTheDocument();
  },
};

export const Empty: Story = {
  args: { runs: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};
