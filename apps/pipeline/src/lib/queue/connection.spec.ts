import { describe, expect, it } from 'vitest';
import { usageMessage } from '../../testing/usage-message.js';
import { checkQueueReachable, parseQueueUrl, waitOrAbort } from './connection.js';
import { freePort } from '../../testing/redis.js';

describe('parseQueueUrl', () => {
  it('reads host, port, database and credentials, and hides the password in what it shows', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6390')).toMatchObject({ display: 'redis://127.0.0.1:6390', options: { host: '127.0.0.1', port: 6390, db: 0 } });
    expect(parseQueueUrl('redis://queue-host')).toMatchObject({ options: { host: 'queue-host', port: 6379 } });
    const secret = parseQueueUrl('rediss://worker:s%40cret@q.example:6380/2');
    expect(secret.options).toMatchObject({ host: 'q.example', port: 6380, db: 2, username: 'worker', password: 's@cret', tls: {} });
    expect(secret.display).toBe('rediss://worker:***@q.example:6380/2');
  });

  it('names the flag and shows an example for what is not a Redis URL', () => {
    expect(usageMessage(() => parseQueueUrl('localhost:6379'))).toMatch(/^--queue must start with redis:\/\/ or rediss:\/\/ \(got "localhost:6379"\), e\.g\. --queue redis:\/\/127\.0\.0\.1:6379\.$/);
    expect(usageMessage(() => parseQueueUrl('not a url'))).toMatch(/^--queue must be a Redis URL such as redis:\/\/HOST:PORT/);
    expect(usageMessage(() => parseQueueUrl('redis://h:1/x'))).toMatch(/database number/);
  });

  it('a Redis that does not answer is one sentence naming the address and the fix, at once', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await checkQueueReachable(parseQueueUrl(`redis://127.0.0.1:${port}`)).catch((e: unknown) => e as Error);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((error as Error).message).toMatch(new RegExp(`^Cannot reach the queue's Redis at redis://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); start redis-server there .* or fix --queue, or leave --queue out to run everything in this process\\.$`));
  });
});

describe('waitOrAbort', () => {
  it('resolves when its signal aborts, long before its time, and after its time without a signal', async () => {
    const controller = new AbortController();
    const waiting = waitOrAbort(600_000, controller.signal);
    controller.abort();
    await waiting; // a timer of ten minutes would time the test out
    const started = Date.now();
    await waitOrAbort(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});
