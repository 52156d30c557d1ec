import '@tensorflow/tfjs-backend-wasm';
import { EngineConnection } from '../../../src/app/engineConnection';
import { type EngineLink, type EngineLinkFactory, EngineRequestError } from '../../../src/app/engineLink';
import type { EngineListener } from '../../../src/engine/protocol';
import { EngineSession } from '../../../src/engine/session';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';
import { useConfigStore } from '../../../src/state/configStore';

/** A model small enough for many steps per second on wasm, with one memory layer. */
export const TINY_CONFIG: ModelConfig = {
  ...DEFAULT_CONFIG,
  d_model: 16,
  layers: 2,
  attn_heads: 2,
  context: 8,
  ffn_mult: 2,
  mem_layers: [1],
  n_keys: 8,
  knn: 4,
  heads: 2,
  k_dim: 8,
  batch: 4,
  lr: 1e-2,
  value_lr: 1e-2,
  warmup: 5,
  seed: 3,
  backend: 'wasm',
};

/**
 * The app's EngineConnection on the real engine (EngineSession, wasm backend) in this process:
 * the link hands commands to the session and its events to the connection, as the worker does.
 */
export async function startEngine(config: ModelConfig = TINY_CONFIG): Promise<EngineConnection> {
  let listener: EngineListener | null = null;
  const session = new EngineSession({ emit: (event) => listener?.(event) });
  const request: EngineLink['request'] = async (command) => {
    const { reply } = await session.handle(command);
    if (!reply.ok) throw new EngineRequestError(command.type, reply.error);
    return reply.value as never;
  };
  const start: EngineLinkFactory = async (init) => {
    const { backend } = await request({ type: 'init', ...init });
    return {
      request,
      subscribe(l) {
        listener = l;
        return () => {
          listener = null;
        };
      },
      backend,
      terminate() {
        void session.dispose();
      },
    };
  };
  useConfigStore.setState({ config, problems: [] });
  const engine = new EngineConnection(start, { engineOptions: { evalEvery: 100 } });
  await engine.start();
  return engine;
}
