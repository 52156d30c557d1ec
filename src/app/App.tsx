import { useEffect, useState } from 'react';
import { BackendBadge } from '../components/BackendBadge';
import type { BackendChoice } from '../engine/backend';
import { startEngineWorker } from '../engine/client';

export function App() {
  const [choice, setChoice] = useState<BackendChoice | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const { api, worker } = startEngineWorker();
    api.init().then(setChoice, (err: Error) => setError(err.message));
    return () => worker.terminate();
  }, []);

  return (
    <div className="app">
      <header className="app__header">
        <h1>PKM Explorer</h1>
        <BackendBadge
          backend={choice?.backend ?? null}
          fallbacks={choice?.fallbacks}
          detail={choice?.adapter?.fallback ? 'software adapter' : undefined}
          error={error}
        />
      </header>
      <main>
        <p>Product-key memory layers, trained and inspected in your browser.</p>
      </main>
    </div>
  );
}
