import { describe, expect, it } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import { PendingReplies } from '../../src/lib/workerReplies.js';

describe('PendingReplies', () => {
  it('settles each request by its own id, in any order', async () => {
    const replies = new PendingReplies<string>();
    const a = replies.open();
    const b = replies.open();
    expect(b.id).toBe(a.id + 1);
    replies.resolve(b.id, 'second');
    replies.reject(a.id, new Error('first failed'));
    await expect(b.reply).resolves.toBe('second');
    await expect(a.reply).rejects.toThrow('first failed');
    // A late or repeated reply for a settled id changes nothing.
    replies.resolve(a.id, 'late');
    expect(replies.failure).toBeUndefined();
  });

  it('fails the requests in flight, and marks every later one, when a wanted worker exits', async () => {
    const replies = new PendingReplies<string>();
    const worker = new Worker('setTimeout(() => process.exit(3), 50)', { eval: true });
    replies.watch(worker, 'test', () => true);
    const pending = replies.open();
    await expect(pending.reply).rejects.toThrow('test worker exited (code 3)');
    expect(replies.failure?.message).toBe('test worker exited (code 3)');
  });

  it('lets a worker closed on purpose go without failing anything', async () => {
    const replies = new PendingReplies<string>();
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    let wanted = true;
    replies.watch(worker, 'test', () => wanted);
    wanted = false;
    await worker.terminate();
    expect(replies.failure).toBeUndefined();
  });
});
