import { ISignal } from '@lumino/signaling';
import { useEffect, useState } from 'react';

/** Render again whenever `signal` is emitted; the answer counts the emissions. */
export function useSignal<T, U>(signal: ISignal<T, U>): number {
  const [ticks, setTicks] = useState(0);
  useEffect(() => {
    const tick = (): void => setTicks(count => count + 1);
    signal.connect(tick);
    return () => {
      signal.disconnect(tick);
    };
  }, [signal]);
  return ticks;
}

/** The current time in seconds, refreshed every second while `running`. */
export function useClock(running: boolean): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    if (!running) {
      return;
    }
    setNow(Date.now() / 1000);
    const timer = window.setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => window.clearInterval(timer);
  }, [running]);
  return running ? now : Date.now() / 1000;
}
