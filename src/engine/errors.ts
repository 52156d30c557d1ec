import type { ConfigError } from '../model/config';
import { CorpusError } from '../model/corpus/userText';
import { FormatError } from '../model/io/errors';
import { TrainingDivergedError } from '../model/training/trainer';
import type { CommandError, CommandErrorKind } from './protocol/replies';

/** An error the engine means to report as a command error of a given kind. */
export class EngineError extends Error {
  constructor(
    readonly kind: CommandErrorKind,
    message: string,
    readonly configErrors?: ConfigError[],
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Messages of allocation failures on the tfjs backends (wasm heap, WebGPU buffers, WebGL textures). */
const OUT_OF_MEMORY =
  /out of memory|memory access out of bounds|Cannot enlarge memory|WebAssembly\.Memory|allocation failed|Failed to allocate|createBuffer.*(size|memory)|Array buffer allocation|Invalid typed array length|exceeds the max/i;

export function isOutOfMemory(err: unknown): boolean {
  return err instanceof Error && OUT_OF_MEMORY.test(err.message);
}

/** The reply form of anything thrown while handling a command. */
export function toCommandError(err: unknown): CommandError {
  if (err instanceof EngineError) {
    return {
      kind: err.kind,
      message: err.message,
      ...(err.configErrors ? { configErrors: err.configErrors } : {}),
    };
  }
  if (err instanceof TrainingDivergedError) return { kind: 'diverged', message: err.message };
  if (err instanceof CorpusError) return { kind: 'corpus', message: err.message };
  if (err instanceof FormatError) return { kind: 'format', message: err.message };
  if (isOutOfMemory(err)) {
    return {
      kind: 'out-of-memory',
      message: `Out of memory: ${(err as Error).message}. Choose a smaller config (fewer n_keys, d_model, batch or context).`,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'internal', message: message || 'unknown error' };
}
