import type { Message } from './message.js';

/**
 * Where a subscription's messages come from. `subscribe` runs one loop over any source: it
 * yields each delivery's message, and once the loop body has finished with it, commits it. The
 * log source (log-source.ts) reads the feed after a cursor and commits by saving the cursor. The
 * consumer-group source (group-source.ts) claims entries, commits by acking, abandons by nacking.
 */
export interface MessageSource<M extends Message = Message> {
  /** Deliveries in order; the next is asked for only after the previous one was settled. */
  deliveries(signal: AbortSignal): AsyncIterable<Delivery<M>>;
}

/** A message handed to the loop body, and how to settle it. */
export interface Delivery<M extends Message = Message> {
  readonly message: M;
  /** The loop body finished with the message: record it as done. */
  commit(): Promise<void>;
  /** The loop stopped (break, throw or return) before finishing the message. */
  abandon(): Promise<void>;
}
