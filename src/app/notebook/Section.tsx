import type { ReactNode } from 'react';

/** One notebook section: a numbered heading, the explanation, then its live figures. */
export function Section({
  id,
  number,
  title,
  children,
}: {
  id: string;
  number?: number;
  title: string;
  children: ReactNode;
}) {
  return (
    <section id={id} className="nb-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="nb-section__title">
        {number !== undefined ? <span className="nb-section__number">{number}</span> : null}
        {title}
      </h2>
      {children}
    </section>
  );
}

/** Prose of a section (kept to a readable measure). */
export function Prose({ children }: { children: ReactNode }) {
  return <div className="nb-prose">{children}</div>;
}
