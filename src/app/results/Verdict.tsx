import type { ExperimentResult } from '../../model/experiments/types';
import { verdictCounts } from './resultEntries';

/** A claim's verdict as a badge: agrees / disagrees / undecided (the numbers could not decide). */
export function ClaimBadge({ agrees }: { agrees: boolean | null }) {
  const [kind, text] =
    agrees === null ? ['undecided', 'undecided'] : agrees ? ['yes', 'agrees'] : ['no', 'disagrees'];
  return <span className={`verdict verdict--${kind}`}>{text}</span>;
}

/** An arm's verdict over the claims naming it: yes / no / partly, or a dash when none does. */
export function RowBadge({ verdict }: { verdict: string }) {
  if (verdict === '-') return <span className="verdict verdict--none">–</span>;
  const kind = verdict === 'yes' ? 'yes' : verdict === 'no' ? 'no' : 'partly';
  return <span className={`verdict verdict--${kind}`}>{verdict}</span>;
}

/** "2 agree · 1 disagrees · 1 undecided" as badges (zero counts left out). */
export function VerdictCounts({ result }: { result: ExperimentResult }) {
  const c = verdictCounts(result);
  const parts: [string, string][] = [];
  if (c.agrees > 0) parts.push(['yes', `${c.agrees} agree${c.agrees === 1 ? 's' : ''}`]);
  if (c.disagrees > 0) parts.push(['no', `${c.disagrees} disagree${c.disagrees === 1 ? 's' : ''}`]);
  if (c.undecided > 0) parts.push(['undecided', `${c.undecided} undecided`]);
  if (parts.length === 0) return <span className="lab-muted">no claims</span>;
  return (
    <span className="verdict-counts">
      {parts.map(([kind, text]) => (
        <span key={kind} className={`verdict verdict--${kind}`}>
          {text}
        </span>
      ))}
    </span>
  );
}
