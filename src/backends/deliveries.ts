/**
 * A queue that counts the deliveries of the messages it hands out. A
 * message is delivered again when it comes back unfinished: a dead
 * consumer's claims recovered, a stopping consumer's given back. A queue
 * that marks each return where it keeps the message (the file backend
 * appends a line to the message's file) knows the count when a consumer
 * takes it, at no cost while nothing comes back. Without this interface,
 * the package counts in the queue's control store instead
 * (`controls/deliveries.ts`), one write a call.
 *
 * @module
 */
import type { BaseQueue } from './base.js';

/** A queue that knows how many times each message it holds claimed was delivered. */
export interface DeliveryCount {
  /**
   * The deliveries of a message this queue object holds claimed: 1 the
   * first time it was handed out, one more each time it came back
   * unfinished.
   *
   * @param data - The message exactly as read.
   */
  deliveries(data: string): number | Promise<number>;
}

/** `true` when `queue` implements {@link DeliveryCount}. */
export const countsDeliveries = (queue: BaseQueue): queue is BaseQueue & DeliveryCount => typeof (queue as Partial<DeliveryCount>).deliveries === 'function';
