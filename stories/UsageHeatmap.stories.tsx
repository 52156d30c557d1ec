import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useState } from 'react';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { UsageHeatmap, type UsageSeries } from '../src/components/UsageHeatmap';
import { defaultEvaluation, type Evaluation, largeUsage } from '../test/fixtures';

function seriesOf(ev: Evaluation): UsageSeries[] {
  return [...ev.perHead.map((u, h) => ({ label: `Head ${h + 1}`, ...u })), { label: 'All heads', ...ev.all }];
}

const ev = defaultEvaluation();

const meta = {
  component: UsageHeatmap,
  title: 'Usage/UsageHeatmap',
  args: { n_keys: 32, series: seriesOf(ev), onSelectSlot: fn() },
} satisfies Meta<typeof UsageHeatmap>;
export default meta;
type Story = StoryObj<typeof meta>;

export const HeadsAndAll: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: 'Memory usage heatmap, Head 1' })).toBeInTheDocument();
    await userEvent.click(c.getByRole('radio', { name: 'All heads' }));
    await expect(c.getByRole('figure', { name: 'Memory usage heatmap, All heads' })).toBeInTheDocument();
    await userEvent.click(c.getByRole('radio', { name: 'Log' }));
    await expect(c.getByText('selections (log)')).toBeInTheDocument();
  },
};

/** The summary says which reads the usage is over (the app's training map next to a validation figure). */
export const UsedInTraining: Story = {
  args: { usedOver: 'in training' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/slots used in training/)).toBeInTheDocument();
  },
};

export const KeyboardAndZoom: Story = {
  play: async ({ args, canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('button', { name: 'Zoom in' }));
    await expect(c.getByText('2.0×')).toBeInTheDocument();
    c.getByRole('application').focus();
    await userEvent.keyboard('{ArrowRight}{ArrowRight}{ArrowDown}');
    await expect(c.getAllByRole('status').at(-1)).toHaveTextContent(/^Slot 33 = \(1, 1\) · count \d+/);
    await userEvent.keyboard('{Enter}');
    await expect(args.onSelectSlot).toHaveBeenCalledWith(33);
    await userEvent.keyboard('+');
    await expect(c.getByText('4.0×')).toBeInTheDocument();
    await userEvent.keyboard('0');
    await expect(c.getByText('1.0×')).toBeInTheDocument();
  },
};

/** The parent streams new usage every 150 ms; the canvas element stays the same. */
function LiveHeatmap() {
  const [tick, setTick] = useState(1);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => Math.min(t + 1, 40)), 150);
    return () => clearInterval(id);
  }, []);
  const tokens = Math.round((tick / 40) * ev.tokens.length);
  const counts = new Float32Array(32 * 32);
  const weights = new Float32Array(32 * 32);
  const per = 2 * 8;
  for (let i = 0; i < tokens * per; i++) {
    counts[ev.slots[i]] += 1;
    weights[ev.slots[i]] += ev.weights[i];
  }
  return <UsageHeatmap n_keys={32} series={[{ label: `All heads, ${tokens} tokens`, counts, weights }]} />;
}

export const Live: Story = {
  render: () => <LiveHeatmap />,
  play: async ({ canvasElement }) => {
    const canvas = canvasElement.querySelector('canvas');
    await waitFor(() =>
      expect(within(canvasElement).getByRole('img', { name: /tokens/ })).toBeInTheDocument(),
    );
    const before = within(canvasElement).getByRole('figure').getAttribute('aria-label');
    await waitFor(() =>
      expect(within(canvasElement).getByRole('figure').getAttribute('aria-label')).not.toBe(before),
    );
    await expect(canvasElement.querySelector('canvas')).toBe(canvas);
  },
};

const big = largeUsage();
export const FiveTwelve: Story = {
  name: '512 × 512, log scale',
  args: { n_keys: 512, series: seriesOf(big).slice(0, 1), defaultScale: 'log' },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('img', { name: /512×512 slots/ })).toBeInTheDocument();
  },
};

export const ManySeries: Story = {
  name: 'Layers × heads (select)',
  args: {
    series: [0, 1, 2, 3].flatMap((layer) =>
      seriesOf(defaultEvaluation({ seed: layer + 1 }))
        .slice(0, 2)
        .map((s) => ({ ...s, label: `Layer ${layer + 1}, ${s.label}` })),
    ),
    n_keys: 32,
  },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.selectOptions(c.getByRole('combobox'), 'Layer 2, Head 2');
    await expect(c.getByRole('figure', { name: /Layer 2, Head 2/ })).toBeInTheDocument();
  },
};

export const AllZero: Story = {
  args: { n_keys: 16, series: [{ label: 'Before training', counts: new Float32Array(256) }] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/no slot selected yet/)).toBeInTheDocument();
  },
};

export const Empty: Story = {
  args: { series: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};

export const NaNUsage: Story = {
  args: { n_keys: 2, series: [{ label: 'Head 1', counts: [1, Number.NaN, 0, 2] }] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/1 usage values are not finite/)).toBeInTheDocument();
  },
};

export const WrongSize: Story = {
  args: { n_keys: 4, series: [{ label: 'Head 1', counts: [1, 2, 3] }] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/expected n_keys² = 16/)).toBeInTheDocument();
  },
};
