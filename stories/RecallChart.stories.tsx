import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { RecallChart, type RecallChartPoint } from '../src/components/RecallChart';

/** A memory learning its facts: near chance for a while, then most of them within a few thousand steps. */
function learningCurve(every: number, count: number): RecallChartPoint[] {
  return Array.from({ length: count }, (_, i) => {
    const step = (i + 1) * every;
    const accuracy = 0.05 + 0.85 / (1 + Math.exp(-(step - 2000) / 400));
    return { step, accuracy, answerLoss: 2.6 * (1 - accuracy) + 0.05 };
  });
}

const meta = {
  component: RecallChart,
  title: 'Training/RecallChart',
  args: { points: learningCurve(250, 16), chance: 0.052, height: 170 },
} satisfies Meta<typeof RecallChart>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Learning: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(
      c.getByRole('img', { name: /16 measurements, steps 250–4,000, latest/ }),
    ).toBeInTheDocument();
    await expect(canvasElement.querySelectorAll('.recall-line circle').length).toBe(16);
    await expect(canvasElement.querySelector('.recall-chart__chance[data-chance]')).not.toBeNull();
    await expect(c.getByRole('list', { name: 'Series' })).toHaveTextContent('chance 5.2%');
    await userEvent.click(c.getByRole('application'));
    await userEvent.keyboard('{Home}');
    await expect(c.getByRole('status')).toHaveTextContent(
      /^Step 250 · \d+\.\d% of facts recalled · answer loss/,
    );
  },
};

/** Aligned with a loss chart that runs to step 6,000: the curve stops where measurements stop. */
export const OnTheLossChartsSteps: Story = {
  args: { steps: [1, 6000] },
};

export const OnePoint: Story = {
  args: { points: [{ step: 1500, accuracy: 0.42 }] },
};

/** A long run: more points than get a dot each. */
export const LongRun: Story = {
  args: { points: learningCurve(50, 400) },
};

export const Empty: Story = {
  args: { points: [], emptyMessage: 'Recall is measured every 250 steps while training.' },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByText('Recall is measured every 250 steps while training.')).toBeInTheDocument();
    await expect(c.getByText('Fact recall (held-out wording)')).toBeInTheDocument();
    await expect(canvasElement.querySelector('svg[role="img"]')).toBeNull();
  },
};

export const Invalid: Story = {
  args: { points: [{ step: 250, accuracy: Number.NaN }] },
};

/** At a phone's width (390 px) nothing may stick out of the figure. */
export const Narrow: Story = {
  decorators: [
    (Story) => (
      <div style={{ width: 358 }}>
        <Story />
      </div>
    ),
  ],
  play: async ({ canvasElement }) => {
    const figure = canvasElement.querySelector('figure')!;
    await expect(figure.scrollWidth).toBeLessThanOrEqual(figure.clientWidth + 1);
  },
};
