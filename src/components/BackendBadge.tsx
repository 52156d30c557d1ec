export interface BackendBadgeProps {
  /** The backend tfjs runs on, or null while it is starting. */
  backend: string | null;
  /** Backends that were skipped, with the reason for each. */
  fallbacks?: { backend: string; reason: string }[];
  /** A note on the device, e.g. "software adapter". */
  detail?: string;
  error?: string | null;
}

/** Shows which tfjs backend the engine runs on, and why faster ones were skipped. */
export function BackendBadge({ backend, fallbacks = [], detail, error }: BackendBadgeProps) {
  const state = error ? 'error' : backend ? 'ready' : 'starting';
  const why = fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('\n');
  return (
    <span className={`backend-badge backend-badge--${state}`} title={why || undefined}>
      <span className="backend-badge__dot" aria-hidden="true" />
      <span className="backend-badge__label">Backend</span>{' '}
      <output aria-label="Backend" className="backend-badge__value">
        {error ? 'unavailable' : (backend ?? 'starting…')}
      </output>
      {detail && !error ? <span className="backend-badge__detail"> · {detail}</span> : null}
      {error ? <span className="backend-badge__detail"> · {error}</span> : null}
      {fallbacks.length > 0 && !error ? (
        <span className="backend-badge__detail">
          {' '}
          · fell back from {fallbacks.map((f) => f.backend).join(', ')}
        </span>
      ) : null}
    </span>
  );
}
