import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { parseXmlDocument } from '../xml/parse.js';
import type { RetryPolicy } from './backoff.js';
import { PUBLISH_RETRY } from './backoff.js';
import { AtomMQProtocolError } from './errors.js';
import { expectStatus, sendRequest } from './request.js';
import { targetOf } from './target.js';

/** A feed listed in a service document. */
export interface FeedListing {
  readonly title: string;
  /** The feed's log, oldest first: the collection href without its `view=edited`. */
  readonly url: string;
  /** The collection href as the service document gives it (the AtomPub view). */
  readonly collection: string;
}

/** Options of {@link listFeeds}. */
export interface ListFeedsOptions {
  readonly signal?: AbortSignal | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
}

const SERVICE = 'application/atomsvc+xml';

/**
 * Lists a server's feeds from its AtomPub service document (RFC 5023 §8). `url` is the service
 * document, or the server's root (multi-feed mode), or a single-feed script's URL, whose
 * service document is at `{url}/service`.
 */
export async function listFeeds(url: string | URL, options: ListFeedsOptions = {}): Promise<FeedListing[]> {
  const target = targetOf(url, options.headers);
  const send = async (at: string): Promise<{ root: Element | null; type: string }> => {
    const answer = await sendRequest('GET', at, { headers: { ...target.headers, Accept: `${SERVICE}, application/atom+xml;q=0.5` } },
      { retry: { ...PUBLISH_RETRY, ...options.retry }, signal: options.signal });
    await expectStatus('GET', at, answer, [200]);
    return { root: (await parseXmlDocument(answer.body)).root(), type: answer.headers.get('content-type') ?? '' };
  };
  let { root } = await send(target.url);
  if (root?.name() === 'feed' && root.namespace()?.href() === NS.atom) {
    const service = new URL(target.url);
    service.pathname = `${service.pathname.replace(/\/$/, '')}/service`;
    service.search = '';
    ({ root } = await send(service.toString()));
  }
  if (root === null || root.name() !== 'service' || root.namespace()?.href() !== NS.app) throw new AtomMQProtocolError(`GET ${target.url}: not an AtomPub service document`);
  return root.find<Element>('//app:collection', { app: NS.app, atom: NS.atom }).map((collection) => {
    const href = new URL(collection.attr('href')?.value() ?? '', target.url);
    const title = collection.get<Element>('atom:title', { atom: NS.atom })?.text() ?? '';
    const log = new URL(href);
    log.searchParams.delete('view');
    return { title, url: log.toString(), collection: href.toString() };
  });
}
