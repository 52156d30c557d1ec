import type { HeadTrace, MemoryTrace } from '../model/memory/types';
import type { CandidateGridProps } from './CandidateGrid';
import type { ProductKeyMapProps } from './ProductKeyMap';
import type { SubKeyScoresProps } from './SubKeyScores';

/**
 * Props of the lookup views from the memory's trace of one token (MemoryTrace / HeadTrace), so a
 * parent can write <CandidateGrid {...candidateGridProps(trace, 0)} />. Product keys only: flat
 * keys have no halves, sub-keys or candidates (these return null for them).
 */
export function subKeyScoresProps(
  head: HeadTrace,
  half: 0 | 1,
): Pick<SubKeyScoresProps, 'scores' | 'selected'> | null {
  if (!head.subTop) return null;
  return { scores: head.subScores[half], selected: head.subTop[half].indices };
}

export function candidateGridProps(trace: MemoryTrace, h: number): CandidateGridProps | null {
  const head = trace.heads[h];
  if (!head?.subTop || !head.candidateRank) return null;
  return {
    rowScores: head.subTop[0].scores,
    colScores: head.subTop[1].scores,
    rowKeys: head.subTop[0].indices,
    colKeys: head.subTop[1].indices,
    selected: head.candidateRank,
    weights: head.weights,
    candidates: head.candidates,
    n_keys: trace.n_keys,
    label: `head ${h + 1}`,
  };
}

export function productKeyMapProps(trace: MemoryTrace): Pick<ProductKeyMapProps, 'n_keys' | 'heads'> {
  return {
    n_keys: trace.n_keys,
    heads: trace.heads.map((head) => ({
      rows: head.rows,
      cols: head.cols,
      weights: head.weights,
      rowKeys: head.subTop?.[0].indices,
      colKeys: head.subTop?.[1].indices,
    })),
  };
}
