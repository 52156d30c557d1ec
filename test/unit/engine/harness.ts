import '@tensorflow/tfjs-backend-wasm';
import type {
  CommandOf,
  CommandType,
  EngineEvent,
  Reply,
  ResultOf,
  Snapshot,
} from '../../../src/engine/protocol';
import { EngineSession } from '../../../src/engine/session';
import type { ModelConfig } from '../../../src/model/config';

/** A model small enough for many steps per second on wasm, with one memory layer. */
export const TINY: Partial<ModelConfig> = {
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

export interface TestSession {
  session: EngineSession;
  events: EngineEvent[];
  send<K extends CommandType>(command: CommandOf<K>): Promise<Reply<ResultOf<K>>>;
  /** Sends and fails the test with the error message when the reply is an error. */
  ok<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>>;
  snapshots(): Snapshot[];
  /** Waits until `predicate` holds for the events, polling. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
}

export function openSession(options: { crash?: () => void } = {}): TestSession {
  const events: EngineEvent[] = [];
  const session = new EngineSession({ emit: (event) => events.push(event), crash: options.crash });
  const send = async <K extends CommandType>(command: CommandOf<K>) =>
    (await session.handle(command)).reply as Reply<ResultOf<K>>;
  return {
    session,
    events,
    send,
    async ok(command) {
      const reply = await send(command);
      if (!reply.ok) throw new Error(`${command.type} failed: ${reply.error.kind}: ${reply.error.message}`);
      return reply.value;
    },
    snapshots: () => events.flatMap((e) => (e.type === 'snapshot' ? [e.snapshot] : [])),
    async until(predicate, timeoutMs = 20_000) {
      const end = performance.now() + timeoutMs;
      while (!predicate()) {
        if (performance.now() > end) throw new Error('timed out waiting for the engine');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** A session started on wasm with the tiny config. */
export async function tinySession(
  config: Partial<ModelConfig> = {},
  options: { allowDebug?: boolean } = {},
): Promise<TestSession> {
  const t = openSession();
  await t.ok({ type: 'init', backend: 'wasm', allowDebug: options.allowDebug ?? true });
  await t.ok({ type: 'configure', config: { ...TINY, ...config } });
  return t;
}
