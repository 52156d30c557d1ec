import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { CapacityCurve } from '../src/components/CapacityCurve';
import { CHANCE_FACT_RECALL } from '../src/model/factRecall';
import { CAPACITY_SEEDS, capacityCurveSeries } from '../test/fixtures';

const series = capacityCurveSeries();

const meta = {
  component: CapacityCurve,
  title: 'Results/CapacityCurve',
  args: { series, chance: CHANCE_FACT_RECALL, seeds: CAPACITY_SEEDS, label: 'capacity fact recall' },
} satisfies Meta<typeof CapacityCurve>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Four memory sizes at three fact counts, two seeds each. */
export const TwoSeeds: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('img', { name: 'Capacity curve, capacity fact recall' })).toBeInTheDocument();
    await expect(c.getByRole('list', { name: 'Memory sizes' })).toHaveTextContent('256² slots');
    await expect(canvasElement.querySelectorAll('.capacity-curve__line')).toHaveLength(4);
    await expect(canvasElement.querySelectorAll('.capacity-curve__seed')).toHaveLength(4 * 3 * 2);
    await userEvent.click(c.getByText('Data table'));
    const table = c.getByRole('table', { name: /values$/ });
    // 256² slots at 300 facts: the mean of 79% and 83%.
    await expect(within(table).getByRole('row', { name: /^256² slots/ })).toHaveTextContent('81.0%');
  },
};

/** One seed: the dots sit on the line (each mean is its one value). */
export const OneSeed: Story = {
  args: {
    series: series.map((s) => ({
      ...s,
      points: s.points.map((p) => ({ ...p, recall: p.recall.slice(0, 1) })),
    })),
    seeds: [1],
  },
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.capacity-curve__seed')).toHaveLength(4 * 3);
  },
};

/** A seed without recall and an arm that never ran: not drawn, said below the chart. */
export const MissingValues: Story = {
  args: {
    series: series.map((s, i) =>
      i === 3
        ? {
            ...s,
            points: s.points.map((p) =>
              p.facts === 900
                ? { ...p, recall: [null, null] }
                : p.facts === 300
                  ? { ...p, recall: [p.recall[0], null] }
                  : p,
            ),
          }
        : s,
    ),
  },
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.capacity-curve__seed')).toHaveLength(4 * 3 * 2 - 3);
    await expect(within(canvasElement).getByText(/3 seed values are missing/)).toBeInTheDocument();
  },
};

/** Narrow: a phone held upright (the page must not scroll sideways). */
export const Narrow: Story = {
  decorators: [(Story) => <div style={{ width: 358 }}>{Story()}</div>],
  play: async ({ canvasElement }) => {
    const svg = canvasElement.querySelector('svg[role="img"]')!;
    await expect(svg.getBoundingClientRect().width).toBeLessThanOrEqual(358);
  },
};

export const NoData: Story = {
  args: { series: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No fact recall measured yet.')).toBeInTheDocument();
  },
};
