/**
 * The live model of the notebook: for the precomputed run's config it is that run's trained model
 * (defaultRun.checkpoint.safetensors, fetched only when the engine needs it), so after warm-up the
 * figures stay at its step and loss and Train goes on from there; any other config is built fresh.
 */
import type { LossRun } from '../../components/LossChart';
import type { ConfigureArgs, ModelInfo } from '../../engine/protocol';
import type { ModelConfig } from '../../model/config';
import { emptyRunData, type RunData } from '../../state/runData';
import { useRunDataStore } from '../../state/runDataStore';
import { checkpointHistory } from '../checkpointHistory';
import type { EngineLink } from '../engineLink';
import checkpointUrl from './defaultRun.checkpoint.safetensors?url';
import { matchesPrecomputed, precomputedLossRun, precomputedRunData } from './precomputed';

let checkpoint: Promise<Uint8Array> | null = null;

/** The precomputed run's checkpoint (fetched once; a failed fetch is retried next time). */
export function precomputedCheckpoint(): Promise<Uint8Array> {
  checkpoint ??= fetch(checkpointUrl)
    .then((r) => {
      if (!r.ok) throw new Error(`the precomputed model could not be loaded (HTTP ${r.status})`);
      return r.arrayBuffer();
    })
    .then((b) => new Uint8Array(b));
  checkpoint.catch(() => {
    checkpoint = null;
  });
  return checkpoint;
}

/** The figures' data of the precomputed run, now the live model's: its histories, the checkpoint's usage. */
export function continuedRunData(bytes: Uint8Array, step: number): RunData {
  const saved = checkpointHistory(bytes);
  const run = precomputedRunData();
  return {
    ...run,
    source: 'live',
    step,
    state: 'paused',
    // The losses the precomputed figures showed (the engine keeps the file's exact ones).
    losses: run.losses,
    // The file's recall where it has one; else what the precomputed run's JSON says.
    recall: saved.recall ?? run.recall,
    usage: saved.usage,
    // The byte picked while the precomputed run was shown stays until the live model traces it.
    trace: useRunDataStore.getState().data.trace ?? run.trace,
  };
}

export interface BuiltModel {
  info: ModelInfo;
  data: RunData;
  /** A finished run to draw next to the live one in the loss chart. */
  reference: LossRun | null;
}

/** Builds the model for `config`: the precomputed run continued where it is that run's model. */
export async function buildLiveModel(
  link: EngineLink,
  config: ModelConfig,
  options: ConfigureArgs['options'],
): Promise<BuiltModel> {
  const bytes = matchesPrecomputed(config)
    ? await precomputedCheckpoint().catch((err: Error) => {
        console.warn(`${err.message}: a fresh model is trained instead`);
        return null;
      })
    : null;
  if (!bytes) {
    const info = await link.request({ type: 'configure', config, options });
    return {
      info,
      data: { ...emptyRunData('live'), step: info.step },
      // A fresh model of the precomputed run's config: that run stays in the loss chart to compare.
      reference: matchesPrecomputed(info.config) ? precomputedLossRun() : null,
    };
  }
  if (options && Object.keys(options).length > 0) await link.request({ type: 'setOptions', options });
  // The file says 'auto'; a backend forced by the link still applies.
  const info = await link.request({ type: 'loadCheckpoint', bytes, backend: config.backend });
  return { info, data: continuedRunData(bytes, info.step), reference: null };
}
