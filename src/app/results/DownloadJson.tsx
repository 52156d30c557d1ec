import { useEffect, useState } from 'react';
import { resultToJson } from '../../model/experiments/resultJson';
import type { ExperimentResult } from '../../model/experiments/types';

/** The result as a JSON file, from a Blob made in the page: nothing is fetched or sent. */
export function DownloadJson({ result }: { result: ExperimentResult }) {
  const [href, setHref] = useState<string | null>(null);
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([resultToJson(result)], { type: 'application/json' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [result]);
  return (
    <a
      className="button button--small"
      href={href ?? undefined}
      download={`${result.experiment}.json`}
      aria-label={`Download the ${result.experiment} result as JSON`}
    >
      Download JSON
    </a>
  );
}
