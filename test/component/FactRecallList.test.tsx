import { expect, test, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { FactRecallList } from '../../src/components/FactRecallList';
import { recallFacts } from '../fixtures';
import '../../src/app/theme.css';

const facts = recallFacts();

test('lists every fact with its mark, and the wrong answer only where it is wrong', async () => {
  const screen = await render(<FactRecallList facts={facts} selected={null} onSelect={() => {}} />);
  const items = screen.getByRole('list', { name: 'Facts asked' }).getByRole('listitem');
  expect(items.elements()).toHaveLength(facts.length);
  facts.forEach((f, i) => {
    const item = items.nth(i).element();
    expect(item.textContent).toContain(f.prompt.trimEnd());
    expect(item.textContent).toContain(f.answer);
    expect(item.querySelector('[role="img"]')?.getAttribute('aria-label')).toBe(
      f.recalled ? 'recalled' : 'not recalled',
    );
    expect(item.textContent?.includes(`model: ${f.modelAnswer}`)).toBe(!f.recalled);
  });
  await expect.element(screen.getByText(/facts recalled/)).toHaveTextContent('5 of 8 facts recalled');
  // Nothing selected: no slot list.
  expect(screen.container.querySelector('.fact-recall__slots')).toBeNull();
});

test('selecting a fact shows the slots its answer read; a slot click names slot and head', async () => {
  const onSelect = vi.fn();
  const onSlot = vi.fn();
  const wrong = facts.find((f) => !f.recalled)!;
  const screen = await render(
    <FactRecallList
      facts={facts}
      selected={wrong.id}
      onSelect={onSelect}
      activeSlot={null}
      onSlot={onSlot}
    />,
  );
  await expect.element(screen.getByRole('button', { pressed: true })).toHaveTextContent(wrong.prompt.trim());
  const region = screen.getByRole('region', { name: 'Slots the answer read' });
  // The model's (wrong) answer is what the slots were read for.
  await expect.element(region.getByText(wrong.modelAnswer, { exact: true })).toBeInTheDocument();
  const rows = region.getByRole('listitem').elements();
  expect(rows).toHaveLength(wrong.slots.length);
  rows.forEach((row, i) => {
    expect(row.textContent).toContain(`head ${wrong.slots[i].head + 1}`);
    expect(row.textContent).toContain(`slot ${wrong.slots[i].slot.toLocaleString('en-US')}`);
  });
  // Bars scale to the heaviest slot: it fills its track.
  const bars = [...screen.container.querySelectorAll<HTMLElement>('.fact-recall__bar')];
  expect(Math.max(...bars.map((b) => Number.parseFloat(b.style.width)))).toBeCloseTo(100, 5);

  const second = wrong.slots.find((s) => s.head === 1)!;
  await userEvent.click(region.getByRole('button', { name: new RegExp(`^Slot ${second.slot}, head 2,`) }));
  expect(onSlot).toHaveBeenCalledWith(second.slot, 1);
  await userEvent.click(screen.getByRole('button', { name: new RegExp(facts[0].prompt.trim()) }));
  expect(onSelect).toHaveBeenCalledWith(facts[0].id);
});

test('arrow keys, Home and End move the selection and the focus along the list', async () => {
  const onSelect = vi.fn();
  const screen = await render(<FactRecallList facts={facts} selected={facts[2].id} onSelect={onSelect} />);
  (screen.getByRole('button', { pressed: true }).element() as HTMLElement).focus();
  await userEvent.keyboard('{ArrowDown}');
  expect(onSelect).toHaveBeenLastCalledWith(facts[3].id);
  await userEvent.keyboard('{End}');
  expect(onSelect).toHaveBeenLastCalledWith(facts.at(-1)!.id);
  expect(document.activeElement?.textContent).toContain(facts.at(-1)!.prompt.trim());
  await userEvent.keyboard('{Home}');
  expect(onSelect).toHaveBeenLastCalledWith(facts[0].id);
});

test('marks the slot open in the inspector and fits a 390 px phone', async () => {
  const fact = facts[0];
  const active = fact.slots[2].slot;
  const screen = await render(
    <div style={{ width: 358 }}>
      <FactRecallList
        facts={facts}
        selected={fact.id}
        onSelect={() => {}}
        activeSlot={active}
        onSlot={() => {}}
      />
    </div>,
  );
  const pressed = screen.getByRole('region').getByRole('button', { pressed: true });
  await expect.element(pressed).toHaveTextContent(`slot ${active.toLocaleString('en-US')}`);
  const figure = screen.getByRole('figure', { name: 'Recalled facts' }).element();
  expect(figure.scrollWidth).toBeLessThanOrEqual(figure.clientWidth + 1);
  expect(figure.getBoundingClientRect().width).toBeLessThanOrEqual(358);
});
