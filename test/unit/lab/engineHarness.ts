import '@tensorflow/tfjs-backend-wasm';
import { EngineConnection } from '../../../src/app/engineConnection';
import { type EngineLink, type EngineLinkFactory, EngineRequestError } from '../../../src/app/engineLink';
import type { EngineListener } from '../../../src/engine/protocol';
import { EngineSession } from '../../../src/engine/session';
import type { ModelConfig } from '../../../src/model/config';
import { useConfigStore } from '../../../src/state/configStore';
import { TINY_MODEL } from '../../fixtures/tinyModel';

/** The tiny model of the Node engine tests (test/fixtures/tinyModel.ts). */
export const TINY_CONFIG: ModelConfig = TINY_MODEL;

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
