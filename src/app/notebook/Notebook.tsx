import { DataTag } from '../figures/FigureFrame';
import { LossPanel } from '../figures/LossPanel';
import { RecallPanel } from '../figures/RecallPanel';
import { RunNumbers } from '../figures/RunNumbers';
import { Deferred } from './Deferred';
import { BudgetSection } from './sections/BudgetSection';
import { CandidateSection } from './sections/CandidateSection';
import { InspectorSection } from './sections/InspectorSection';
import { IntroSection } from './sections/IntroSection';
import { NextSection } from './sections/NextSection';
import { QuerySection } from './sections/QuerySection';
import { SubKeySection } from './sections/SubKeySection';
import { TopKSection } from './sections/TopKSection';
import { UsageSection } from './sections/UsageSection';
import { ValuesSection } from './sections/ValuesSection';
import './notebook.css';

const CONTENTS: [string, string][] = [
  ['budget', 'A huge memory, a small budget'],
  ['query', 'The query and its halves'],
  ['subkeys', 'Two sets of sub-keys'],
  ['candidates', 'k × k candidates'],
  ['topk', 'Top-k and softmax'],
  ['values', 'Reading the values'],
  ['usage', 'Usage and normalisation'],
  ['learned', 'What the memory learned'],
];

/** Sections below the title, with the height they roughly take (held until each mounts). */
const SECTIONS = [
  { key: 'budget', height: 1300, Section: BudgetSection },
  { key: 'query', height: 750, Section: QuerySection },
  { key: 'subkeys', height: 700, Section: SubKeySection },
  { key: 'candidates', height: 1100, Section: CandidateSection },
  { key: 'topk', height: 750, Section: TopKSection },
  { key: 'values', height: 900, Section: ValuesSection },
  { key: 'usage', height: 1100, Section: UsageSection },
  { key: 'learned', height: 600, Section: InspectorSection },
  { key: 'next', height: 300, Section: NextSection },
];

/** The default page: the algorithm explained step by step, every figure bound to the model training here. */
export function Notebook() {
  return (
    <div className="notebook">
      <div className="notebook__intro">
        <IntroSection />
      </div>
      <article className="notebook__article">
        {SECTIONS.map(({ key, height, Section }, i) => (
          <Deferred key={key} minHeight={height} frame={i + 1}>
            <Section />
          </Deferred>
        ))}
      </article>
      <aside className="notebook__aside" aria-label="Training progress">
        <div className="aside-card">
          <div className="aside-card__head">
            <h2 className="aside-card__title">Loss and recall</h2>
            <DataTag />
          </div>
          <LossPanel height={200} />
          <RecallPanel height={150} />
          <RunNumbers />
        </div>
        <nav className="aside-card notebook__toc" aria-label="Contents">
          <h2 className="aside-card__title">Contents</h2>
          <ol>
            {CONTENTS.map(([id, title], i) => (
              <li key={id}>
                <a
                  href={`#${id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(id)?.scrollIntoView({ behavior: 'smooth' });
                  }}
                >
                  <span className="notebook__toc-number">{i + 1}</span>
                  {title}
                </a>
              </li>
            ))}
          </ol>
        </nav>
      </aside>
    </div>
  );
}
