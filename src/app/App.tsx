import { useEffect, useState } from 'react';
import { BackendBadge } from '../components/BackendBadge';
import { EngineClient } from '../engine/client';
import type { BackendReport } from '../engine/protocol';

export function App() {
  const [backend, setBackend] = useState<BackendReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let client: EngineClient | null = null;
    let cancelled = false;
    EngineClient.start().then(
      (started) => {
        if (cancelled) return started.terminate();
        client = started;
        setBackend(started.backend);
        started.subscribe((event) => {
          if (event.type === 'backend') setBackend(event.backend);
        });
      },
      (err: Error) => setError(err.message),
    );
    return () => {
      cancelled = true;
      client?.terminate();
    };
  }, []);

  return (
    <div className="app">
      <header className="app__header">
        <h1>PKM Explorer</h1>
        <BackendBadge
          backend={backend?.backend ?? null}
          fallbacks={backend?.fallbacks}
          detail={backend?.adapter?.fallback ? 'software adapter' : undefined}
          error={error}
        />
      </header>
      <main>
        <p>Product-key memory layers, trained and inspected in your browser.</p>
      </main>
    </div>
  );
}
