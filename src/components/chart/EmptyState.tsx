/** What a figure shows instead of a drawing when its data is missing or invalid. */
export function EmptyState({ kind, message }: { kind: 'empty' | 'invalid'; message: string }) {
  return (
    <div className={`pkm-empty pkm-empty--${kind}`} data-state={kind}>
      <span className="pkm-empty__kind">{kind === 'empty' ? 'No data' : 'Invalid data'}</span>
      <span className="pkm-empty__message">{message}</span>
    </div>
  );
}
