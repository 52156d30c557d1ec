import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, fn, userEvent, within } from 'storybook/test';
import { TokenPicker } from '../src/components/TokenPicker';
import { EVAL_TEXT } from '../test/fixtures';

const tokens = [...EVAL_TEXT];

const meta = {
  component: TokenPicker,
  title: 'Lookup/TokenPicker',
  args: { tokens, value: 7, onChange: fn() },
} satisfies Meta<typeof TokenPicker>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Default: Story = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const list = c.getByRole('listbox', { name: 'Token picker' });
    await expect(c.getAllByRole('option')).toHaveLength(tokens.length);
    await expect(c.getByRole('option', { selected: true })).toHaveAccessibleName('space, position 7');
    await expect(list).toHaveAttribute('aria-activedescendant', c.getByRole('option', { selected: true }).id);
  },
};

function Controlled() {
  const [value, setValue] = useState<number | null>(null);
  return <TokenPicker tokens={tokens} value={value} onChange={setValue} label="evaluation text" />;
}

export const Keyboard: Story = {
  render: () => <Controlled />,
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    c.getByRole('listbox').focus();
    await userEvent.keyboard('{ArrowRight}{ArrowRight}');
    await expect(c.getByRole('option', { selected: true })).toHaveAccessibleName('r, position 1');
    await userEvent.keyboard('{End}');
    await expect(c.getByRole('option', { selected: true })).toHaveAccessibleName(
      `., position ${tokens.length - 1}`,
    );
    await userEvent.keyboard('{PageUp}{Home}');
    await expect(c.getByRole('option', { selected: true })).toHaveAccessibleName('P, position 0');
  },
};

export const Click: Story = {
  play: async ({ args, canvasElement }) => {
    await userEvent.click(within(canvasElement).getByRole('option', { name: 'k, position 8' }));
    await expect(args.onChange).toHaveBeenCalledWith(8);
  },
};

export const Bytes: Story = {
  name: 'Whitespace and control bytes',
  args: { tokens: ['a', ' ', '\t', 'b', '\n', 'c', '\u0001', 'é'], value: 4 },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('option', { selected: true })).toHaveAccessibleName(
      'newline, position 4',
    );
    await expect(within(canvasElement).getByText('\\x01')).toBeInTheDocument();
  },
};

export const Empty: Story = {
  args: { tokens: [], value: null },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('No data')).toBeInTheDocument();
  },
};
