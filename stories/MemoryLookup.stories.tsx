import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { MemoryLookup } from '../src/components/MemoryLookup';
import { defaultEvaluation, traceLookup } from '../test/fixtures';

const ev = defaultEvaluation();

/** Picks a token and traces its lookup through the fixture memory, as the notebook does with the engine. */
function Traced({
  start = 8,
  onSelectSlot,
}: {
  start?: number | null;
  onSelectSlot?: (slot: number) => void;
}) {
  const [value, setValue] = useState<number | null>(start);
  const trace = value === null ? null : traceLookup(ev.memory, ev.states[value]);
  return (
    <MemoryLookup
      tokens={ev.tokens}
      value={value}
      onChange={setValue}
      trace={trace}
      normLabel="batchnorm"
      onSelectSlot={onSelectSlot}
    />
  );
}

const meta = {
  component: MemoryLookup,
  title: 'Lookup/MemoryLookup',
  args: { tokens: ev.tokens, value: 8, onChange: fn(), trace: traceLookup(ev.memory, ev.states[8]) },
} satisfies Meta<typeof MemoryLookup>;
export default meta;
type Story = StoryObj<typeof meta>;

export const PickAToken: Story = {
  render: (args) => <Traced onSelectSlot={args.onSelectSlot} />,
  args: { onSelectSlot: fn() },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByRole('region', { name: 'Memory lookup' })).toBeInTheDocument();
    const before = c.getByRole('img', { name: /^Product-key map/ }).getAttribute('aria-label');
    c.getByRole('listbox').focus();
    await userEvent.keyboard('{ArrowRight}');
    await waitFor(() =>
      expect(c.getByRole('figure', { name: /^Product-key map, token “e”/ })).toBeInTheDocument(),
    );
    await expect(before).toMatch(/token “k”/);
    await userEvent.click(c.getByRole('radio', { name: '2' }));
    await expect(c.getByRole('figure', { name: 'Sub-key scores, head 2, half 1' })).toBeInTheDocument();
    await expect(c.getByRole('figure', { name: 'Candidate grid, head 2' })).toBeInTheDocument();
  },
};

export const NothingPicked: Story = {
  args: { value: null, trace: null },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/Pick a token/)).toBeInTheDocument();
  },
};

export const Tracing: Story = {
  name: 'Trace pending',
  args: { trace: null },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/Tracing the lookup/)).toBeInTheDocument();
  },
};
