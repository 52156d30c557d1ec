import { afterEach, beforeEach, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { ConfigForm } from '../../src/app/lab/ConfigForm';
import { LAB_PANELS } from '../../src/app/lab/extensions';
import { LabSlot } from '../../src/app/lab/LabSlot';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { useConfigStore } from '../../src/state/configStore';
import '../../src/app/theme.css';
import '../../src/app/app.css';
import '../../src/app/lab/lab.css';

beforeEach(() => {
  useConfigStore.getState().loadHash('');
});
afterEach(() => cleanup());

test('the settings form shows every field of the config, grouped, with its current value', async () => {
  useConfigStore.getState().update({ n_keys: 32, knn: 4, mem_layers: [1, 2] });
  const screen = await render(<ConfigForm />);
  for (const group of ['Model', 'Memory', 'Optimiser', 'Data & run']) {
    await expect.element(screen.getByRole('group', { name: group })).toBeInTheDocument();
  }
  await expect.element(screen.getByRole('textbox', { name: /n_keys/ })).toHaveValue('32');
  // Memory blocks are numbered from 1 in the form, as everywhere else in the app ("block 3").
  await expect.element(screen.getByRole('textbox', { name: /mem_layers/ })).toHaveValue('2,3');
  await expect
    .element(screen.getByRole('combobox', { name: /query_norm/ }))
    .toHaveValue(DEFAULT_CONFIG.query_norm);
  await expect.element(screen.getByRole('checkbox', { name: /mem_plus/ })).not.toBeChecked();
  await expect.element(screen.getByRole('status')).toHaveTextContent('The model uses these settings');
});

test('an invalid value shows the rule it breaks, on the field and the fields it involves, and cannot be applied', async () => {
  const screen = await render(<ConfigForm />);
  const heads = screen.getByRole('textbox', { name: /attn_heads/ });
  await userEvent.clear(heads);
  await userEvent.type(heads, '5');
  await expect
    .element(screen.getByText('attn_heads must divide d_model (64)', { exact: true }))
    .toBeInTheDocument();
  await expect
    .element(screen.getByText('see attn_heads: attn_heads must divide d_model (64)'))
    .toBeInTheDocument();
  await expect.element(heads).toHaveAttribute('aria-invalid', 'true');
  await expect.element(screen.getByRole('button', { name: 'Apply and rebuild' })).toBeDisabled();
  await expect.element(screen.getByRole('status')).toHaveTextContent('2 settings to fix');
  const lr = screen.getByRole('textbox', { name: /^Learning rate/ });
  await userEvent.clear(lr);
  await userEvent.type(lr, 'fast');
  await expect
    .element(screen.getByText('lr must be a number from 1e-7 to 1 (got "fast")', { exact: true }))
    .toBeInTheDocument();
  await userEvent.clear(lr);
  await expect
    .element(screen.getByText('lr must be a number from 1e-7 to 1 (got nothing)', { exact: true }))
    .toBeInTheDocument();
  await userEvent.click(screen.getByRole('button', { name: 'Revert' }));
  await expect.element(heads).toHaveValue('4');
  await expect.element(screen.getByRole('status')).toHaveTextContent('The model uses these settings');
  // Nothing was applied.
  expect(useConfigStore.getState().config).toEqual(DEFAULT_CONFIG);
});

test('memory blocks are block numbers from 1, and a number outside the model says so in those numbers', async () => {
  const screen = await render(<ConfigForm />);
  const blocks = screen.getByRole('textbox', { name: /mem_layers/ });
  // The default memory sits in block 3 of 4 (mem_layers [2] in the config and the link).
  await expect.element(blocks).toHaveValue('3');
  await expect.element(screen.getByText(/block numbers, comma-separated/)).toHaveTextContent('1–24');
  await userEvent.clear(blocks);
  await userEvent.type(blocks, '5');
  await expect
    .element(
      screen.getByText('memory blocks must be block numbers from 1 to 4, each at most once (got “5”)', {
        exact: true,
      }),
    )
    .toBeInTheDocument();
  await userEvent.clear(blocks);
  await userEvent.type(blocks, '1,4');
  await expect.element(screen.getByRole('status')).toHaveTextContent('Changes not applied yet');
  await userEvent.click(screen.getByRole('button', { name: 'Revert' }));
  await expect.element(blocks).toHaveValue('3');
});

test('a lab slot renders its registered panel in a titled card, and nothing when empty', async () => {
  const saved = LAB_PANELS.compare;
  LAB_PANELS.compare = { title: 'Compare runs (test)', component: () => <p>two runs</p> };
  try {
    const screen = await render(<LabSlot name="compare" />);
    await expect
      .element(screen.getByRole('region', { name: 'Compare runs (test)' }))
      .toHaveTextContent('two runs');
    cleanup();
    delete LAB_PANELS.compare;
    const empty = await render(<LabSlot name="compare" />);
    expect(empty.container.querySelectorAll('.lab-slot')).toHaveLength(0);
  } finally {
    if (saved) LAB_PANELS.compare = saved;
  }
});
