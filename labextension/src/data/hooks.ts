import { DependencyList, useCallback, useEffect, useState } from 'react';

import { errorMessage } from '../api';

/** What `useRequest` knows about an answer. */
export interface IRequestState<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
  /** Ask again. */
  reload: () => void;
}

/**
 * Call `load` when the component mounts and whenever `deps` change; keep the
 * last answer (or error). An answer to an older call than the latest is
 * dropped, and so is one arriving after the component is gone.
 */
export function useRequest<T>(load: () => Promise<T>, deps: DependencyList): IRequestState<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const reload = useCallback(() => setAttempt(count => count + 1), []);

  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      found => {
        if (live) {
          setValue(found);
          setError(null);
          setLoading(false);
        }
      },
      reason => {
        if (live) {
          setError(errorMessage(reason));
          setLoading(false);
        }
      }
    );
    return () => {
      live = false;
    };
    // `load` is a new closure on every render; `deps` say when it asks something new.
  }, [...deps, attempt]);

  return { value, error, loading, reload };
}
