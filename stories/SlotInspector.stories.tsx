import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { SlotInspector } from '../src/components/SlotInspector';
import { busiestSlot, defaultEvaluation, slotContexts } from '../test/fixtures';

const ev = defaultEvaluation();
const slot = busiestSlot(ev);
const contexts = slotContexts(ev, slot, 8);

const meta = {
  component: SlotInspector,
  title: 'Usage/SlotInspector',
  args: { slot, n_keys: 32, contexts, count: ev.all.counts[slot], weight: ev.all.weights[slot] },
} satisfies Meta<typeof SlotInspector>;
export default meta;
type Story = StoryObj<typeof meta>;

export const BusiestSlot: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('figure', { name: `Slot inspector, slot ${slot}` })).toBeInTheDocument();
    await expect(c.getAllByRole('listitem')).toHaveLength(contexts.length);
    await expect(
      c.getByText(`(${Math.floor(slot / 32)}, ${slot % 32})`, { exact: false }),
    ).toBeInTheDocument();
  },
};

const dead = ev.all.counts.indexOf(0);
export const DeadSlot: Story = {
  args: { slot: dead, contexts: [], count: 0, weight: 0 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/it is dead/)).toBeInTheDocument();
  },
};

export const NoSelection: Story = {
  args: { slot: null, contexts: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/Select a slot/)).toBeInTheDocument();
  },
};

export const OutOfRange: Story = {
  args: { slot: 5000, contexts: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/outside 0–1023/)).toBeInTheDocument();
  },
};
