import { createContext, type ReactNode, useContext } from 'react';
import type { EngineConnection } from './engineConnection';

const EngineContext = createContext<EngineConnection | null>(null);

export function EngineProvider({
  engine,
  children,
}: {
  engine: EngineConnection | null;
  children: ReactNode;
}) {
  return <EngineContext.Provider value={engine}>{children}</EngineContext.Provider>;
}

/** The engine's actions, or null where no engine runs (stories, tests of pure views). */
export function useEngine(): EngineConnection | null {
  return useContext(EngineContext);
}
