import type { Meta, StoryObj } from '@storybook/react-vite';
import { type ReactNode, useEffect, useState } from 'react';
import { expect, fn, userEvent, within } from 'storybook/test';
import { FactRecallList } from '../src/components/FactRecallList';
import { recallFacts } from '../test/fixtures';

const facts = recallFacts();
const recalledFirst = [...facts].sort((a, b) => Number(b.recalled) - Number(a.recalled));

const meta = {
  component: FactRecallList,
  title: 'Usage/FactRecallList',
  args: {
    facts: recalledFirst,
    selected: recalledFirst[0].id,
    onSelect: fn(),
    onSlot: fn(),
    activeSlot: null,
  },
} satisfies Meta<typeof FactRecallList>;
export default meta;
type Story = StoryObj<typeof meta>;

export const RecalledFirst: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await expect(c.getByText(/facts recalled/)).toHaveTextContent('5 of 8 facts recalled');
    await expect(c.getAllByRole('button', { pressed: true })).toHaveLength(1);
    await expect(c.getAllByRole('img', { name: 'recalled' })).toHaveLength(5);
    await expect(c.getByText('model: 74')).toBeInTheDocument();
    const slots = within(c.getByRole('region', { name: 'Slots the answer read' }));
    await expect(slots.getAllByRole('listitem')).toHaveLength(8);
  },
};

function Interactive() {
  const [selected, setSelected] = useState<number | null>(recalledFirst[0].id);
  const [slot, setSlot] = useState<number | null>(null);
  return (
    <FactRecallList
      facts={recalledFirst}
      selected={selected}
      onSelect={setSelected}
      activeSlot={slot}
      onSlot={setSlot}
    />
  );
}

export const PickAFactAndASlot: Story = {
  render: () => <Interactive />,
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await userEvent.click(c.getByRole('button', { name: /Juda Foril counts to/ }));
    await expect(c.getByRole('button', { name: /Juda Foril counts to/ })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    await expect(c.getByRole('button', { name: /Suro Nimel is from/ })).toHaveFocus();
    const wrong = facts.find((f) => f.prompt.startsWith('Suro'))!;
    const slotButton = c.getByRole('button', { name: new RegExp(`^Slot ${wrong.slots[0].slot}, head 1`) });
    await userEvent.click(slotButton);
    await expect(slotButton).toHaveAttribute('aria-pressed', 'true');
  },
};

/** Dark theme, on a phone-sized column. */
function DarkNarrow({ children }: { children: ReactNode }) {
  useEffect(() => {
    const root = document.documentElement;
    const before = root.dataset.theme;
    root.dataset.theme = 'dark';
    return () => {
      if (before === undefined) delete root.dataset.theme;
      else root.dataset.theme = before;
    };
  }, []);
  return <div style={{ width: 358, background: 'var(--bg)', padding: 16 }}>{children}</div>;
}

export const DarkAt390px: Story = {
  decorators: [(Story) => <DarkNarrow>{Story()}</DarkNarrow>],
  play: async ({ canvasElement }) => {
    const figure = within(canvasElement).getByRole('figure', { name: 'Recalled facts' });
    await expect(figure.scrollWidth).toBeLessThanOrEqual(figure.clientWidth + 1);
  },
};

export const NoFacts: Story = {
  args: { facts: [], selected: null },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText(/No facts were asked yet/)).toBeInTheDocument();
  },
};
