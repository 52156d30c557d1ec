import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { CoverageStats } from '../src/components/CoverageStats';
import { coverageHistory } from '../test/fixtures';

const history = coverageHistory();

const meta = {
  component: CoverageStats,
  title: 'Usage/CoverageStats',
  args: { history, slots: 1024 },
} satisfies Meta<typeof CoverageStats>;
export default meta;
type Story = StoryObj<typeof meta>;

export const DuringTraining: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: 'Coverage stats' })).toBeInTheDocument();
    const last = history.at(-1)!;
    await expect(c.getByRole('status', { name: 'Usage now' })).toHaveTextContent(
      `${(last.usage * 100).toFixed(1)}%`,
    );
    await expect(c.getAllByRole('img', { name: /history/ })).toHaveLength(6);
  },
};

/** Usage says the set it is over. */
export const OnTheValidationSet: Story = {
  args: { over: 'on the validation set' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/any weight on the validation set/)).toBeInTheDocument();
  },
};

export const OneEvaluation: Story = {
  args: { history: history.slice(0, 1) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/1 evaluation · step 0/)).toBeInTheDocument();
  },
};

export const WithNaN: Story = {
  name: 'NaN values (before any weight)',
  args: {
    history: [
      {
        step: 0,
        usage: 0,
        kl_w: Number.NaN,
        gini: Number.NaN,
        top50: Number.NaN,
        top90: Number.NaN,
        top99: Number.NaN,
      },
      ...history.slice(1, 6),
    ],
  },
  play: async ({ canvasElement }) => {
    await expect(
      within(canvasElement).getByRole('img', { name: /KL to uniform history: .* at step 50/ }),
    ).toBeInTheDocument();
  },
};

export const Empty: Story = {
  args: { history: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};
