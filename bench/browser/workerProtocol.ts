/** Messages between the bench page and its training worker. */

export type WorkerRequest = { type: 'start'; backend: string; nKeys: number } | { type: 'stop' };

export type WorkerReply =
  | { type: 'started'; backend: string }
  | { type: 'stopped'; steps: number }
  | { type: 'error'; message: string };
