import { type ReactElement, type ReactNode, useState } from 'react';
import type { EngineFault } from '../../engine/protocol';
import { useConfigStore } from '../../state/configStore';
import { isTraining, useEngineStore } from '../../state/engineStore';
import { useUiStore } from '../../state/uiStore';
import { useEngine } from '../EngineContext';
import type { EngineConnection } from '../engineConnection';
import { applyDefaultSettings } from './runControls';

interface Action {
  label: string;
  run: () => void;
}

export function Banner({
  tone,
  title,
  children,
  actions = [],
  onDismiss,
}: {
  tone: 'info' | 'warning' | 'error';
  title: string;
  children?: ReactNode;
  actions?: Action[];
  onDismiss?: () => void;
}) {
  return (
    <section
      className={`notice notice--${tone}`}
      role={tone === 'error' ? 'alert' : 'status'}
      aria-label={title}
    >
      <div className="notice__body">
        <strong className="notice__title">{title}</strong>
        {children ? <div className="notice__text">{children}</div> : null}
      </div>
      <div className="notice__actions">
        {actions.map((a) => (
          <button key={a.label} type="button" className="button button--small" onClick={a.run}>
            {a.label}
          </button>
        ))}
        {onDismiss ? (
          <button type="button" className="button button--small button--quiet" onClick={onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
    </section>
  );
}

function faultBanner(
  fault: EngineFault,
  engine: EngineConnection | null,
  backendNow: string | undefined,
  training: boolean,
) {
  const resume: Action = { label: 'Resume training', run: () => void engine?.train() };
  const reset: Action = { label: 'Reset model', run: () => void engine?.reset() };
  const restart: Action = { label: 'Restart the engine', run: () => void engine?.restartEngine() };
  const toLab: Action = { label: 'Open the lab', run: () => useUiStore.getState().setPage('lab') };
  const defaults: Action = {
    label: 'Use the default settings',
    run: () => void applyDefaultSettings(engine),
  };
  switch (fault.kind) {
    case 'diverged':
      return {
        tone: 'error' as const,
        title: `Training diverged at step ${fault.step}`,
        text: `${fault.message} The weights of step ${fault.step} are kept.`,
        actions: [reset, toLab],
      };
    case 'device-lost':
    case 'worker-crashed': {
      const what =
        fault.kind === 'device-lost' ? `The ${fault.backend ?? 'GPU'} device was lost` : 'The engine crashed';
      if (fault.recovery === 'restarting') {
        return {
          tone: 'warning' as const,
          title: `${what} — restarting…`,
          text: `${fault.message} Restarting from the last recovery checkpoint.`,
          actions: [],
        };
      }
      if (fault.recovery === 'restarted') {
        return {
          tone: 'info' as const,
          title: `Restarted on ${backendNow ?? 'another backend'} · restored step ${fault.restoredStep ?? fault.step}`,
          text: `${what} at step ${fault.step}. ${fault.message}`,
          // Training that the failure interrupted resumes by itself (the client replays its pace).
          actions: training ? [] : [resume],
        };
      }
      // Restarts gave up (e.g. offline with no worker code): the user can try again, or start afresh.
      return { tone: 'error' as const, title: what, text: fault.message, actions: [restart, reset] };
    }
    case 'out-of-memory':
      return {
        tone: 'error' as const,
        title: 'This configuration does not fit in memory',
        text: fault.message,
        actions: [defaults, toLab],
      };
    case 'backend-failed':
      return {
        tone: 'error' as const,
        title: 'No backend could start',
        text: fault.message,
        actions: [{ label: 'Reload the page', run: () => window.location.reload() }],
      };
    case 'internal':
      return {
        tone: 'error' as const,
        title: `Training stopped at step ${fault.step}`,
        text: fault.message,
        actions: fault.recovery === 'paused' ? [resume, reset] : [reset],
      };
  }
}

/** Banners that stay pinned under the header while the page scrolls. */
const PINNED = new Set(['start', 'fault', 'problem']);

/**
 * Faults, refused commands, settings from the link that were not used, and backend notes. Errors
 * and engine faults are pinned under the header, where they stay in view; the rest (link problems,
 * backend notes) sit at the top of the page and scroll away with it.
 */
export function Notices({ placement }: { placement: 'pinned' | 'flow' }) {
  const engine = useEngine();
  const problems = useConfigStore((s) => s.problems);
  const fault = useEngineStore((s) => s.fault);
  const problem = useEngineStore((s) => s.problem);
  const startError = useEngineStore((s) => s.startError);
  const backend = useEngineStore((s) => s.backend);
  const training = useEngineStore((s) => isTraining(s.state));
  const [fallbackSeen, setFallbackSeen] = useState(false);
  const [softwareSeen, setSoftwareSeen] = useState(false);
  const banners: ReactElement[] = [];

  if (startError) {
    banners.push(
      <Banner
        key="start"
        tone="error"
        title="The training engine could not start"
        actions={[{ label: 'Reload the page', run: () => window.location.reload() }]}
      >
        {startError} The figures show the precomputed run.
      </Banner>,
    );
  }
  if (fault) {
    const b = faultBanner(fault, engine, backend?.backend, training);
    if (b) {
      banners.push(
        <Banner
          key="fault"
          tone={b.tone}
          title={b.title}
          actions={b.actions}
          onDismiss={() => useEngineStore.getState().dismissFault()}
        >
          {b.text}
        </Banner>,
      );
    }
  }
  if (problem) {
    const oom = problem.kind === 'out-of-memory';
    banners.push(
      <Banner
        key="problem"
        tone="error"
        title={
          oom
            ? 'This configuration does not fit in memory'
            : problem.kind === 'invalid-config'
              ? 'The engine refused these settings'
              : `“${problem.command}” failed`
        }
        actions={
          problem.command === 'configure'
            ? [{ label: 'Use the default settings', run: () => void applyDefaultSettings(engine) }]
            : []
        }
        onDismiss={() => useEngineStore.getState().setProblem(null)}
      >
        {problem.configErrors?.length ? (
          <ul>
            {problem.configErrors.map((e) => (
              <li key={e.field}>{e.message}</li>
            ))}
          </ul>
        ) : (
          problem.message
        )}
      </Banner>,
    );
  }
  if (problems.length > 0) {
    banners.push(
      <Banner
        key="link"
        tone="warning"
        title="Some settings in the link were not used"
        onDismiss={() => useConfigStore.getState().dismissProblems()}
      >
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </Banner>,
    );
  }
  const software = backend?.backend === 'webgpu' && backend.adapter?.fallback === true;
  if (software && !softwareSeen) {
    banners.push(
      <Banner
        key="software"
        tone="warning"
        title="The GPU is a software adapter"
        actions={[
          {
            label: 'Switch to wasm (faster here)',
            run: () => void engine?.switchBackend('wasm'),
          },
        ]}
        onDismiss={() => setSoftwareSeen(true)}
      >
        WebGPU runs on {backend.adapter?.description || 'a software renderer'} here, with no real GPU behind
        it: training is many times slower than on the CPU with wasm. Switching keeps the model, its weights
        and its step.
      </Banner>,
    );
  }
  // The automatic choice passed over a software WebGPU adapter: say why, and offer it anyway.
  const passedOver = backend && backend.backend !== 'webgpu' ? backend.softwareAdapter : undefined;
  const fallbacks = (backend?.fallbacks ?? []).filter((f) => !(passedOver && f.backend === 'webgpu'));
  if (backend && passedOver && !softwareSeen) {
    banners.push(
      <Banner
        key="software"
        tone="info"
        title={`Training runs on ${backend.backend}: the GPU here is a software adapter`}
        actions={[{ label: 'Use WebGPU anyway', run: () => void engine?.switchBackend('webgpu') }]}
        onDismiss={() => setSoftwareSeen(true)}
      >
        WebGPU here runs on {passedOver}, with no real GPU behind it: training on it is many times slower than
        on the CPU with {backend.backend}, so the engine chose {backend.backend}. Using WebGPU keeps the
        model, its weights and its step.
        {fallbacks.length > 0 ? (
          <ul>
            {fallbacks.map((f) => (
              <li key={f.backend}>
                Not {f.backend}: {f.reason}
              </li>
            ))}
          </ul>
        ) : null}
      </Banner>,
    );
  } else if (backend && !passedOver && !fallbackSeen && fallbacks.length > 0) {
    // (Once the notice above is dismissed, its list of fallbacks goes with it.)
    banners.push(
      <Banner
        key="fallback"
        tone="info"
        title={`Training runs on ${backend.backend}`}
        onDismiss={() => setFallbackSeen(true)}
      >
        <ul>
          {fallbacks.map((f) => (
            <li key={f.backend}>
              Not {f.backend}: {f.reason}
            </li>
          ))}
        </ul>
      </Banner>,
    );
  }
  const shown = banners.filter((b) => PINNED.has(String(b.key)) === (placement === 'pinned'));
  if (shown.length === 0) return null;
  return <div className={`notices notices--${placement}`}>{shown}</div>;
}
