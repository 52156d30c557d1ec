import { useMemo, useState } from 'react';
import { ArchitectureDiagram } from '../../../components/ArchitectureDiagram';
import { BudgetPanel } from '../../../components/BudgetPanel';
import { formatInt } from '../../../components/chart/format';
import { memorySpecFromConfig } from '../../../model/memory/spec';
import { parameterCounts } from '../../../model/parameterCounts';
import { FigureFrame } from '../../figures/FigureFrame';
import { Prose, Section } from '../Section';
import { useModelFacts } from '../useModelFacts';

const SIZES = [16, 32, 64, 128, 256, 512, 1024];

export function BudgetSection() {
  const f = useModelFacts();
  const c = f.config;
  const [n, setN] = useState<number | null>(null);
  const nKeys = n ?? c.n_keys;
  const knn = Math.min(c.knn, nKeys);
  const architecture = useMemo(() => {
    const counts = parameterCounts(c, c.mem_layers.length > 0 ? memorySpecFromConfig(c) : undefined);
    return {
      embedding: counts.embeddings.token + counts.embeddings.position,
      head: counts.finalNorm + counts.embeddings.outputBias,
      blocks: counts.blocks.map((b) => ({
        attention: b.attention,
        norms: b.norms,
        ffn: b.memory ? b.memory.total : b.ffn,
        memory: b.kind === 'memory',
      })),
      memory: { keys: c.mem_keys, slots: c.n_keys * c.n_keys, heads: c.heads, knn: c.knn },
    };
  }, [c]);
  return (
    <Section id="budget" number={1} title="A huge memory on a small compute budget">
      <Prose>
        <p>
          A feed-forward block uses every one of its parameters for every token: more parameters, more
          multiply-adds. A memory layer breaks that link. It keeps a table of |K| learned <em>values</em>, and
          each token reads only k of them per head, so the table can grow while the work per token barely
          moves.
        </p>
        <p>
          The hard part is choosing which k rows to read. With one key per slot (“flat keys”) the token’s
          query is compared with all |K| keys, and the search costs as much as the table is large. Product
          keys cut that search down to 2·√|K| + k² scores per head — here {formatInt(f.productCost)} instead
          of {formatInt(f.slots)}. Slide the memory size to compare the three designs at equal width.
        </p>
      </Prose>
      <div className="nb-figures nb-figures--stack">
        <FigureFrame
          title="Parameters and work per token"
          controls={
            <label className="field field--inline">
              <span className="field__label">Sub-keys per half n</span>
              <input
                type="range"
                min={0}
                max={SIZES.length - 1}
                step={1}
                value={Math.max(0, SIZES.indexOf(nKeys))}
                onChange={(e) => setN(SIZES[Number(e.target.value)])}
                aria-valuetext={`${nKeys} sub-keys, ${formatInt(nKeys * nKeys)} slots`}
              />
              <output className="field__value">
                n = {nKeys} · {formatInt(nKeys * nKeys)} slots
              </output>
            </label>
          }
          note={
            n !== null && n !== c.n_keys
              ? 'A what-if: the model training on this page keeps its own size.'
              : undefined
          }
        >
          <BudgetPanel
            d_model={c.d_model}
            n_keys={nKeys}
            knn={knn}
            heads={c.heads}
            k_dim={c.k_dim}
            v_dim={c.v_dim}
            query_norm={c.query_norm}
          />
        </FigureFrame>
        <FigureFrame title="The model on this page">
          <ArchitectureDiagram {...architecture} label="the live model" />
        </FigureFrame>
      </div>
    </Section>
  );
}
