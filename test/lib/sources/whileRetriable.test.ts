import { describe, expect, it } from '@jest/globals';
import type { Admin } from 'kafkajs';
import { whileRetriable } from '../../../src/lib/sources/clickstream/kafkaClient.js';

// The broker's "not the leader" answer right after a topic is created cannot be produced on
// demand with a real broker, so the retry policy is checked against a stand-in admin: only the
// metadata refresh is called on it.
function standIn() {
  const refreshed: string[][] = [];
  const admin = {
    fetchTopicMetadata: ({ topics }: { topics: string[] }) => {
      refreshed.push(topics);
      return Promise.resolve({ topics: [] });
    },
  } as unknown as Admin;
  return { admin, refreshed };
}
const failure = (message: string, retriable: boolean) => Object.assign(new Error(message), { retriable });

describe('whileRetriable', () => {
  it('retries a retriable error, refreshing the metadata first, until the call succeeds', async () => {
    const { admin, refreshed } = standIn();
    let calls = 0;
    const result = await whileRetriable(admin, 'events', () => {
      calls++;
      if (calls < 3)
        return Promise.reject(failure('This server is not the leader for that topic-partition', true));
      return Promise.resolve([{ partition: 0, high: '42' }]);
    });
    expect(result).toEqual([{ partition: 0, high: '42' }]);
    expect(calls).toBe(3);
    expect(refreshed).toEqual([['events'], ['events']]);
  });

  it('does not retry an error that is not retriable', async () => {
    const { admin, refreshed } = standIn();
    let calls = 0;
    await expect(
      whileRetriable(admin, 'events', () => {
        calls++;
        return Promise.reject(failure('Topic authorization failed', false));
      }),
    ).rejects.toThrow('Topic authorization failed');
    expect(calls).toBe(1);
    expect(refreshed).toEqual([]);
  });
});
