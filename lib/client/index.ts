/**
 * `atommq/client`: publish to and consume AtomMQ feeds from Node 20, with no dependency beyond
 * AtomMQ's own. See the README, "Clients".
 */
export { publish, publishAtomDocument, publishBatch, publishBytes, publishFeedDocument, publishJson } from './publish.js';
export type { PublishOptions, Published, PublishedBatch } from './publish.js';
export type { MessageInput } from './message-input.js';
export { subscribe } from './subscribe.js';
export type { GroupSubscribeOptions, SubscribeOptions } from './subscribe.js';
export type { GroupMessage, GroupSourceOptions } from './group-source.js';
export type { LogSourceOptions } from './log-source.js';
export type { Delivery, MessageSource } from './source.js';
export type { Message } from './message.js';
export { listFeeds } from './feeds.js';
export type { FeedListing, ListFeedsOptions } from './feeds.js';
export { CursorFile } from './cursor-file.js';
export type { Cursor } from './cursor-file.js';
export { AtomMQProtocolError, AtomMQRequestError } from './errors.js';
export type { RetryEvent } from './request.js';
export type { RetryPolicy } from './backoff.js';
