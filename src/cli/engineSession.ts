/**
 * The engine's session (the same code the browser worker runs) driven in-process: the CLI's
 * model commands are thin front ends to it, on the wasm backend.
 */
import '@tensorflow/tfjs-backend-wasm';
import type { CommandOf, CommandType, EngineEvent, ResultOf } from '../engine/protocol';
import { EngineSession } from '../engine/session';
import { InputError } from './command';

export interface CliSession {
  /** Sends a command; an error reply becomes an InputError (bad input) or an Error (internal). */
  ok<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>>;
  close(): Promise<void>;
}

export async function openCliSession(progress: (message: string) => void): Promise<CliSession> {
  let lastWarmup = '';
  const onEvent = (event: EngineEvent) => {
    if (event.type === 'warmup' && event.message !== lastWarmup) {
      lastWarmup = event.message;
      progress(event.message);
    } else if (event.type === 'fault') {
      progress(event.fault.message);
    }
  };
  const session = new EngineSession({ emit: onEvent });
  const cli: CliSession = {
    async ok(command) {
      const { reply } = await session.handle(command);
      if (reply.ok) return reply.value as ResultOf<typeof command.type>;
      const { kind, message } = reply.error;
      if (kind === 'internal') throw new Error(message);
      throw new InputError(message);
    },
    close: () => session.dispose(),
  };
  // Node has neither WebGPU nor WebGL: a checkpoint or config asking for them runs on wasm.
  await cli.ok({ type: 'init', backend: 'wasm', avoid: ['webgpu', 'webgl'] });
  return cli;
}
