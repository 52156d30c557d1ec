import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { CandidateGrid } from '../src/components/CandidateGrid';
import { CoverageStats } from '../src/components/CoverageStats';
import { candidateGridProps, productKeyMapProps, subKeyScoresProps } from '../src/components/fromTrace';
import { LossChart } from '../src/components/LossChart';
import { ProductKeyMap } from '../src/components/ProductKeyMap';
import { QueryHalves } from '../src/components/QueryHalves';
import { SlotInspector } from '../src/components/SlotInspector';
import { SubKeyScores } from '../src/components/SubKeyScores';
import { UsageHeatmap } from '../src/components/UsageHeatmap';
import {
  type CapturedBinary,
  captured,
  capturedHistory,
  capturedSlotContexts,
  capturedTrace,
  loadCapturedBinary,
} from '../test/fixtures/captured';

/**
 * Every view fed with what a real model produced: the default config trained on the knowledge
 * corpus by scripts/precompute-snapshot.ts (test/fixtures/data/captured/).
 */
const meta = {
  title: 'Captured/Real small model',
  parameters: { layout: 'padded' },
} satisfies Meta;
export default meta;
type Story = StoryObj<typeof meta>;

const trace = capturedTrace();
const token = captured.text[captured.defaultPosition];
const { config } = captured;
const loaders = [async () => ({ bin: await loadCapturedBinary() })];
const binOf = (loaded: Record<string, unknown>) => loaded.bin as CapturedBinary;

export const QueryHalvesOfATrainedModel: Story = {
  name: 'QueryHalves',
  render: () => <QueryHalves heads={trace.heads} normLabel={config.query_norm} token={token} />,
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: /^Query halves of token/ })).toBeInTheDocument();
    await expect(canvasElement.querySelectorAll('.query-halves__head')).toHaveLength(config.heads);
  },
};

export const SubKeyScoresOfATrainedModel: Story = {
  name: 'SubKeyScores',
  render: () => (
    <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 16 }}>
      <SubKeyScores {...subKeyScoresProps(trace.heads[0], 0)!} label="head 1, half 1" />
      <SubKeyScores {...subKeyScoresProps(trace.heads[0], 1)!} label="head 1, half 2" />
    </div>
  ),
  play: async ({ canvasElement }) => {
    const figures = within(canvasElement).getAllByRole('figure', { name: /^Sub-key scores/ });
    await expect(figures).toHaveLength(2);
    for (const f of figures) {
      await expect(f.querySelectorAll('.subkey-bar')).toHaveLength(config.n_keys);
      await expect(f.querySelectorAll('.subkey-bar--selected')).toHaveLength(config.knn);
    }
  },
};

export const CandidateGridOfATrainedModel: Story = {
  name: 'CandidateGrid',
  render: () => <CandidateGrid {...candidateGridProps(trace, 0)!} />,
  play: async ({ canvasElement }) => {
    await expect(canvasElement.querySelectorAll('.candidate-cell')).toHaveLength(config.knn ** 2);
    await expect(canvasElement.querySelectorAll('.candidate-selected')).toHaveLength(config.knn);
    // Exact search: the selected cells are the k largest sums of the grid.
    const head = trace.heads[0];
    const sums = Array.from(head.candidates!).sort((a, b) => b - a);
    const cutoff = sums[config.knn - 1];
    for (let m = 0; m < config.knn; m++) {
      const v = head.candidates![head.candidateRank!.row[m] * config.knn + head.candidateRank!.col[m]];
      await expect(v).toBeGreaterThanOrEqual(cutoff - 1e-4);
    }
  },
};

export const ProductKeyMapOfATrainedModel: Story = {
  name: 'ProductKeyMap',
  render: () => <ProductKeyMap {...productKeyMapProps(trace)} label={`token “${token}”`} />,
  play: async ({ canvasElement }) => {
    await expect(
      within(canvasElement).getByRole('img', { name: new RegExp(`${config.n_keys}×${config.n_keys} slots`) }),
    ).toBeInTheDocument();
  },
};

export const UsageOfATrainedModel: Story = {
  name: 'UsageHeatmap',
  loaders,
  render: (_, { loaded }) => {
    const { usage } = binOf(loaded);
    return <UsageHeatmap n_keys={usage.n_keys} series={usage.series} defaultScale="log" />;
  },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: 'Memory usage heatmap, Head 1' })).toBeInTheDocument();
    await expect(c.getByRole('img', { name: /128×128 slots, \d+\.\d% used/ })).toBeInTheDocument();
  },
};

export const SlotInspectorOfATrainedModel: Story = {
  name: 'SlotInspector',
  loaders,
  render: (_, { loaded }) => {
    const slot = trace.heads[0].slots[0];
    const found = capturedSlotContexts(binOf(loaded), slot);
    return (
      <SlotInspector
        slot={slot}
        n_keys={config.n_keys}
        contexts={found.contexts}
        count={found.count}
        weight={found.weight}
      />
    );
  },
  play: async ({ canvasElement }) => {
    const slot = trace.heads[0].slots[0];
    await expect(
      within(canvasElement).getByRole('figure', { name: `Slot inspector, slot ${slot}` }),
    ).toBeInTheDocument();
  },
};

const history = capturedHistory();

export const TrainingHistory: Story = {
  name: 'LossChart and CoverageStats',
  render: () => (
    <div style={{ display: 'grid', gap: 24 }}>
      <LossChart runs={[history.run]} label="captured run" />
      <CoverageStats history={history.coverage} slots={config.n_keys ** 2} label="block 3" />
    </div>
  ),
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: /^Loss chart/ })).toBeInTheDocument();
    await expect(canvasElement.querySelectorAll('.pkm-sparkline__line')).toHaveLength(6);
  },
};
