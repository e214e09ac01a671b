import type { Worker } from 'node:worker_threads';

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/**
 * The requests sent to worker threads and not answered yet, by id: each reply settles its own
 * request. A worker's error, or its exit while it is still wanted, fails every request in flight,
 * and `failure` then fails every later one before it is sent.
 */
export class PendingReplies<T> {
  private readonly waiting = new Map<number, Waiter<T>>();
  private next = 0;
  failure?: Error;

  /** A new request's id, and the promise its reply settles. */
  open(): { id: number; reply: Promise<T> } {
    const id = this.next++;
    const reply = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    return { id, reply };
  }

  resolve(id: number, value: T): void {
    this.take(id)?.resolve(value);
  }

  reject(id: number, error: Error): void {
    this.take(id)?.reject(error);
  }

  /** Fails every request when `worker` errors, or exits while `wanted()` (not closed on purpose). */
  watch(worker: Worker, name: string, wanted: () => boolean): void {
    const fail = (error: Error) => {
      this.failure = error;
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (wanted()) fail(new Error(`${name} worker exited (code ${code})`));
    });
  }

  private take(id: number): Waiter<T> | undefined {
    const waiter = this.waiting.get(id);
    this.waiting.delete(id);
    return waiter;
  }
}
