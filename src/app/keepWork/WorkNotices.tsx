import { formatInt } from '../../components/chart/format';
import { modelReady, useEngineStore } from '../../state/engineStore';
import { useEngine } from '../EngineContext';
import { Banner } from '../shell/Notices';
import { discardAutosave, restoreAutosave } from './autosave';
import { undoReset } from './resetUndo';
import { useWorkStore } from './workStore';

function when(ms: number): string {
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? `today at ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
    : d.toLocaleString();
}

/**
 * The notices that keep work from being lost: undo of a reset (pinned, in view where it happened),
 * the offer to restore the previous visit's run (at the top of the page), storage failures.
 */
export function WorkNotices({ placement }: { placement: 'pinned' | 'flow' }) {
  const engine = useEngine();
  const offer = useWorkStore((s) => s.offer);
  const undo = useWorkStore((s) => s.undo);
  const problem = useWorkStore((s) => s.problem);
  const ready = useEngineStore((s) => s.model !== null && modelReady(s.state));
  const set = useWorkStore((s) => s.set);
  const banners =
    placement === 'pinned'
      ? [
          undo ? (
            <Banner
              key="undo"
              tone="info"
              title="Reset to a fresh model"
              actions={ready && engine ? [{ label: 'Undo', run: () => void undoReset(engine) }] : []}
              onDismiss={() => set({ undo: null })}
            >
              The run you had trained to step {formatInt(undo.step)} is kept until you dismiss this.
            </Banner>
          ) : null,
          problem ? (
            <Banner key="work-problem" tone="error" title="Your run" onDismiss={() => set({ problem: null })}>
              {problem}
            </Banner>
          ) : null,
        ]
      : [
          offer ? (
            <Banner
              key="restore"
              tone="info"
              title="Restore your unsaved run?"
              actions={[
                ...(ready && engine ? [{ label: 'Restore', run: () => void restoreAutosave(engine) }] : []),
                { label: 'Discard', run: () => void discardAutosave() },
              ]}
            >
              A run trained to step {formatInt(offer.step)} was saved automatically {when(offer.savedAt)}.
              {ready ? '' : ' It can be restored once the model has warmed up.'} Your current run is not
              autosaved until you choose.
            </Banner>
          ) : null,
        ];
  const shown = banners.filter((b) => b !== null);
  if (shown.length === 0) return null;
  return <div className={`notices notices--${placement}`}>{shown}</div>;
}
