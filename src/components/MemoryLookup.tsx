import { useState } from 'react';
import type { MemoryTrace } from '../model/memory/types';
import { CandidateGrid } from './CandidateGrid';
import { EmptyState } from './chart/EmptyState';
import { Segmented } from './chart/Segmented';
import { candidateGridProps, productKeyMapProps, subKeyScoresProps } from './fromTrace';
import { ProductKeyMap } from './ProductKeyMap';
import { QueryHalves } from './QueryHalves';
import { SubKeyScores } from './SubKeyScores';
import { TokenPicker } from './TokenPicker';
import './chart/chart.css';
import './MemoryLookup.css';

export interface MemoryLookupProps {
  tokens: string[];
  /** The picked token. */
  value: number | null;
  onChange: (index: number) => void;
  /** The memory's trace of the picked token (null while it is computed, or when none is picked). */
  trace: MemoryTrace | null;
  /** Name of the query normalisation, e.g. "batchnorm". */
  normLabel?: string;
  onSelectSlot?: (slot: number) => void;
}

/** One token's memory lookup step by step: query halves, sub-key scores, candidates, selected slots. */
export function MemoryLookup({ tokens, value, onChange, trace, normLabel, onSelectSlot }: MemoryLookupProps) {
  const [ownHead, setHead] = useState(0);
  const heads = trace?.heads.length ?? 0;
  const head = Math.min(ownHead, Math.max(0, heads - 1));
  const h = trace?.heads[head];
  const token = value !== null ? tokens[value] : undefined;
  const product = trace?.mem_keys === 'product';
  const half1 = h ? subKeyScoresProps(h, 0) : null;
  const half2 = h ? subKeyScoresProps(h, 1) : null;
  const grid = trace && product ? candidateGridProps(trace, head) : null;
  return (
    <section className="memory-lookup" aria-label="Memory lookup">
      <TokenPicker tokens={tokens} value={value} onChange={onChange} label="token to trace" />
      {!trace ? (
        <EmptyState
          kind="empty"
          message={value === null ? 'Pick a token to see its lookup.' : 'Tracing the lookup…'}
        />
      ) : (
        <>
          <h3 className="memory-lookup__step">1 · The query, split in two halves</h3>
          <QueryHalves heads={trace.heads} normLabel={normLabel} token={token} />
          {heads > 1 ? (
            <div className="memory-lookup__heads">
              <Segmented
                label="Head"
                options={trace.heads.map((_, i) => ({ value: String(i), label: String(i + 1) }))}
                value={String(head)}
                onChange={(v) => setHead(Number(v))}
              />
            </div>
          ) : null}
          {product && half1 && half2 ? (
            <>
              <h3 className="memory-lookup__step">
                2 · Each half scores its own {trace.n_keys} sub-keys; the best {trace.knn} are kept
              </h3>
              <div className="memory-lookup__pair">
                <SubKeyScores {...half1} label={`head ${head + 1}, half 1`} />
                <SubKeyScores {...half2} label={`head ${head + 1}, half 2`} />
              </div>
            </>
          ) : (
            <p className="memory-lookup__note">
              Flat keys: no halves or candidates; every one of the {trace.n_keys ** 2} keys is scored.
            </p>
          )}
          <h3 className="memory-lookup__step">
            {product
              ? `3 · ${trace.knn}×${trace.knn} candidates a_i + b_j; the best ${trace.knn} are read`
              : 'The selected slots'}
          </h3>
          <div className="memory-lookup__pair">
            {grid ? <CandidateGrid {...grid} /> : null}
            <ProductKeyMap
              {...productKeyMapProps(trace)}
              onSelectSlot={onSelectSlot}
              label={token !== undefined ? `token “${token}”` : undefined}
            />
          </div>
        </>
      )}
    </section>
  );
}
