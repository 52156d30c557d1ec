import { LAB_PANELS, type LabSlotName } from './extensions';

/** One extension point of the lab: its panel in a titled card, or nothing when none is registered. */
export function LabSlot({ name }: { name: LabSlotName }) {
  const panel = LAB_PANELS[name];
  if (!panel) return null;
  const Panel = panel.component;
  return (
    <section className="lab-card lab-slot" data-slot={name} aria-label={panel.title}>
      <h2 className="lab-card__title">{panel.title}</h2>
      <Panel />
    </section>
  );
}
