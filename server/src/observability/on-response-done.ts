import type { Response } from 'express';

/**
 * Calls `done` exactly once when the response is over: sent in full (`aborted: false`) or
 * cut off because the client went away first (`aborted: true`).
 */
export function onResponseDone(res: Response, done: (aborted: boolean) => void): void {
  let called = false;
  const once = (aborted: boolean) => {
    if (called) return;
    called = true;
    done(aborted);
  };
  res.once('finish', () => once(false));
  res.once('close', () => once(!res.writableFinished));
}
