/**
 * Priorities, revocations and locks of a Redis queue: the work behind the
 * queue's members of the same names. The scripts are in `./lua/`
 * (`write.lua`, `revoke.lua`, `lock.lua`...); `./lua.ts` tells how
 * priorities and revocations share the queue's lists.
 *
 * @internal
 * @module
 */
import type { Revocation, RevocationEntry } from '../revocations.js';
import { messagePriority, priorityField } from '../../core/message.js';
import type { RedisClient } from './connection.js';
import { levelKey, lockKey, type QueueKeys } from './keys.js';
import type { ScriptCommands } from './lua.js';

type Client = RedisClient & ScriptCommands;

/** Writes a message where its priority (and whether any revocation exists) says, in one script. */
export async function pushMessage(client: Client, keys: QueueKeys, data: string): Promise<void> {
  await client.hueyWrite(...writeArgs(keys, data));
}

/** Adds the write of `pushMessage` to a pipeline (for a write followed by `WAIT`): the same script. */
export function pushInto<P>(pipeline: P, keys: QueueKeys, data: string): P {
  // defineCommand puts the scripts on pipelines too; their types do not say so
  return (pipeline as unknown as { hueyWrite(...args: string[]): P }).hueyWrite(...writeArgs(keys, data));
}

function writeArgs(keys: QueueKeys, data: string): [string, string, string, string, string, string] {
  const level = messagePriority(data) === 0 ? '0' : priorityField(data)!;
  return [keys.queue, keys.priorities, levelKey(keys.base, level), keys.revoked, data, level];
}

/** How a revocation is kept in the hash: `<until ms or empty>:<once 0|1>`. */
const encodeRevocation = (revocation: Revocation): string => `${revocation.until?.getTime() ?? ''}:${revocation.once ? 1 : 0}`;

function decodeRevocation(value: string): Revocation {
  const [until, once] = value.split(':');
  return { until: until === '' || until === undefined ? null : new Date(Number(until)), once: once === '1' };
}

const inForce = (revocation: Revocation, now: Date): boolean => revocation.until === null || revocation.until.getTime() > now.getTime();

export async function revoke(client: Client, keys: QueueKeys, key: string, revocation: Revocation): Promise<void> {
  await client.hueyRevoke(keys.revoked, keys.queue, keys.priorities, levelKey(keys.base, '0'), key, encodeRevocation(revocation));
}

export async function restore(client: Client, keys: QueueKeys, key: string): Promise<boolean> {
  const value = await client.hueyRestore(keys.revoked, key);
  return value !== null && inForce(decodeRevocation(value), new Date());
}

export async function revoked(client: Client, keys: QueueKeys, asked: string[], now: Date): Promise<string | null> {
  return client.hueyRevoked(keys.revoked, now.getTime(), ...asked);
}

export async function revocations(client: Client, keys: QueueKeys, now: Date): Promise<RevocationEntry[]> {
  const all = await client.hgetall(keys.revoked);
  return Object.entries(all)
    .map(([key, value]) => ({ key, ...decodeRevocation(value) }))
    .filter((entry) => inForce(entry, now))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function lock(client: Client, keys: QueueKeys, name: string, token: string, ttlMs: number): Promise<boolean> {
  return (await client.hueyLock(lockKey(keys.base, name), keys.locks, token, ttlMs, name)) === 1;
}

export async function renewLock(client: Client, keys: QueueKeys, name: string, token: string, ttlMs: number): Promise<boolean> {
  return (await client.hueyRenewLock(lockKey(keys.base, name), token, ttlMs)) === 1;
}

export async function unlock(client: Client, keys: QueueKeys, name: string, token: string): Promise<boolean> {
  return (await client.hueyUnlock(lockKey(keys.base, name), keys.locks, token, name)) === 1;
}

export async function isLocked(client: Client, keys: QueueKeys, name: string): Promise<boolean> {
  return (await client.exists(lockKey(keys.base, name))) === 1;
}

export async function locks(client: Client, keys: QueueKeys): Promise<string[]> {
  return (await client.hueyLocks(keys.locks, keys.base)).sort();
}

export async function flushLocks(client: Client, keys: QueueKeys): Promise<number> {
  return client.hueyFlushLocks(keys.locks, keys.base);
}
