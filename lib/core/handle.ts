import { authorizeRequest, readableFeeds } from '../auth/access.js';
import { readArchive, readFeedPage } from '../atompub/feed-page.js';
import { requestedWait } from '../atompub/wait.js';
import { EDITED_VIEW, readEditedView } from '../atompub/collection-view.js';
import { CURRENT_VIEW, readCurrent } from '../atompub/current.js';
import { deleteMember, replaceMember } from '../atompub/edit.js';
import { replaceMedia } from '../atompub/edit-media.js';
import { findMediaMember, readMedia } from '../atompub/media.js';
import { readMember } from '../atompub/member.js';
import { publish } from '../atompub/publish.js';
import { readServiceDocument } from '../atompub/service.js';
import { answerGroup } from '../atompub/groups/answer.js';
import { Urls } from '../atompub/urls.js';
import { openEventStream } from '../atompub/event-stream.js';
import { serveAsset } from '../html/assets.js';
import { renderArchivePage, renderFeedPage } from '../html/feed-page.js';
import { renderMemberPage } from '../html/member-page.js';
import { renderServicePage } from '../html/service-page.js';
import { AppendRejectedError, StoreUnavailableError } from '../storage/store.js';
import type { FeedRecord } from '../storage/store.js';
import type { Identity } from '../auth/identity.js';
import { renderProblem, PROBLEM_TYPE } from '../xml/problem.js';
import { readBody } from './body.js';
import type { BodySource, Deps } from './deps.js';
import type { CgiEnv } from './env.js';
import type { Representation } from './negotiate.js';
import { baseUrl, pathInfo, queryParams, requestHeader, requestMethod } from './env.js';
import { HttpError } from './errors.js';
import { checkHealth } from './health.js';
import { negotiate } from './negotiate.js';
import { checkOrigin, corsHeaders } from './origin.js';
import { unbuffered } from './unbuffered.js';
import type { CoreResponse } from './response.js';
import { REASON, hasBody, isStreaming, textResponse } from './response.js';
import type { Route } from './router.js';
import { ALLOWED_METHODS, route } from './router.js';

/**
 * The whole application: one CGI-style request in, one response out. Every adapter (CGI,
 * FastCGI, HTTP) calls this and writes the result unchanged. It never throws: client errors
 * become their 4xx, a store that cannot write becomes 503, and anything else is logged and
 * answered with a bare 500.
 *
 * `signal` aborts when the client goes away. A Server-Sent Events answer streams until it
 * aborts, so an adapter that can stream must pass one.
 */
export async function handle(env: CgiEnv, body: BodySource, deps: Deps, signal?: AbortSignal): Promise<CoreResponse> {
  const method = requestMethod(env);
  const cors = corsHeaders(method, env, deps.config.allowedOrigins);
  try {
    const response = assertHeaderSafe(withHeaders(await dispatch(method, env, body, deps, signal), cors));
    return method === 'HEAD' ? withoutBody(response) : response;
  } catch (error) {
    // An allowed page must be able to read a 4xx or 503 too, or it sees only a network failure.
    return withHeaders(errorResponse(error, method, env, deps), cors);
  }
}

async function dispatch(method: string, env: CgiEnv, body: BodySource, deps: Deps, signal: AbortSignal | undefined): Promise<CoreResponse> {
  const target = route(pathInfo(env), deps.config.feed);
  const allowed = ALLOWED_METHODS[target.kind];
  if (!allowed.includes(method)) throw HttpError.methodNotAllowed(method, allowed);
  if (target.kind === 'asset') return serveAsset(target.name, requestHeader(env, 'If-None-Match'));
  if (target.kind === 'health') return checkHealth(deps); // open even when auth is on
  checkOrigin(method, env, deps.config.allowedOrigins);
  // Once per request, before any body is read or any feed looked up: a 401 reads no body.
  const identity = deps.auth === undefined ? undefined : await authorizeRequest(deps.auth, target, method, env, deps.config.feed);
  const urls = new Urls(baseUrl(env), deps.config.feed);
  // RFC 9110 §12.5.5: every representation of a negotiated resource says what it varied on.
  const view = negotiate(requestHeader(env, 'Accept'), target.kind === 'collection');
  const isNegotiated = method !== 'POST' && method !== 'PUT' && method !== 'DELETE' && target.kind !== 'media';
  const response = await answer(target, view, method, env, body, deps, signal, urls, identity);
  return isNegotiated ? withHeaders(response, [['Vary', 'Accept']]) : response;
}

async function answer(target: Exclude<Route, { kind: 'asset' | 'health' }>, view: Representation, method: string, env: CgiEnv, body: BodySource, deps: Deps, signal: AbortSignal | undefined, urls: Urls, identity: Identity | undefined): Promise<CoreResponse> {
  const ifNoneMatch = requestHeader(env, 'If-None-Match');
  switch (target.kind) {
    case 'service': {
      const listed = deps.config.feed === undefined ? await deps.store.listFeeds() : [await deps.store.ensureFeed(deps.config.feed)];
      const feeds = deps.auth === undefined ? listed : readableFeeds(deps.auth, identity, listed);
      return view === 'html' ? renderServicePage(feeds, urls, deps, ifNoneMatch) : readServiceDocument(feeds, urls, deps);
    }
    case 'collection': {
      if (method === 'POST') {
        const bytes = await readBody(env, body, deps.config.maxBodyBytes);
        return publish({ feed: target.feed, contentType: env['CONTENT_TYPE'], slug: requestHeader(env, 'Slug'), idempotencyKey: requestHeader(env, 'Idempotency-Key'), body: bytes, urls }, deps);
      }
      const query = queryParams(env);
      const feed = await existingFeed(target, deps);
      if (query.get('view') === EDITED_VIEW) return readEditedView(feed, query.get('before') ?? undefined, urls, deps);
      if (query.get('view') === CURRENT_VIEW) return readCurrent(feed, urls, deps);
      if (view === 'event-stream') {
        return openEventStream({ feed, cursor: cursorInput(env), lastEventId: requestHeader(env, 'Last-Event-ID'), urls, signal: signal ?? new AbortController().signal }, deps);
      }
      if (view === 'html') return renderFeedPage({ feed, cursor: cursorInput(env), limit: query.get('limit') ?? undefined, urls, ifNoneMatch }, deps);
      const wait = requestedWait(requestHeader(env, 'Prefer'), query.get('wait') ?? undefined, deps.config.maxWaitSeconds);
      const page = await readFeedPage({ feed, cursor: cursorInput(env), limit: query.get('limit') ?? undefined, urls, wait, signal }, deps);
      return wait > 0 ? unbuffered(page) : page;
    }
    case 'member': {
      const feed = await existingFeed(target, deps);
      const edit = { feed, key: target.key, ifMatch: requestHeader(env, 'If-Match'), urls };
      if (method === 'PUT') {
        const bytes = await readBody(env, body, deps.config.maxBodyBytes);
        return replaceMember({ ...edit, contentType: env['CONTENT_TYPE'], body: bytes }, deps);
      }
      if (method === 'DELETE') return deleteMember(edit, deps);
      if (view === 'html') return renderMemberPage({ feed, key: target.key, urls, ifNoneMatch }, deps);
      return readMember({ feed, key: target.key, ifNoneMatch, urls }, deps);
    }
    case 'archive': {
      const feed = await existingFeed(target, deps);
      return view === 'html' ? renderArchivePage(feed, target.key, urls, ifNoneMatch, deps) : readArchive(feed, target.key, urls, deps);
    }
    case 'media': {
      // RFC 5023 §9.6, §11: the edit-media URI replaces (PUT) or deletes (DELETE) the member.
      const feed = await existingFeed(target, deps);
      const ifMatch = requestHeader(env, 'If-Match');
      if (method === 'PUT') return replaceMedia({ feed, key: target.key, ifMatch, contentType: env['CONTENT_TYPE'], body: await readBody(env, body, deps.config.maxBodyBytes) }, deps);
      if (method === 'DELETE') return deleteMember({ feed, key: (await findMediaMember(feed, target.key, deps)).member.toString(), ifMatch, urls }, deps);
      return readMedia({ feed, key: target.key, revision: queryParams(env).get('revision') ?? undefined, ifNoneMatch: requestHeader(env, 'If-None-Match') }, deps);
    }
    case 'group':
      return answerGroup({ target, method, env, body, urls, signal, feed: () => existingFeed(target, deps) }, deps);
  }
}

function cursorInput(env: CgiEnv): Parameters<typeof readFeedPage>[0]['cursor'] {
  const query = queryParams(env);
  return {
    startAfter: query.get('start_after') ?? undefined,
    startAt: query.get('start_at') ?? undefined,
    lastId: requestHeader(env, 'Xlastid'),
    ifNoneMatch: requestHeader(env, 'If-None-Match'),
  };
}

/** The feed a route names. In single-feed mode it exists from the start; otherwise 404 until its first POST. */
async function existingFeed(target: Extract<Route, { feed: string }>, deps: Deps): Promise<FeedRecord> {
  if (deps.config.feed !== undefined) return deps.store.ensureFeed(deps.config.feed);
  const feed = await deps.store.findFeed(target.feed);
  if (feed === undefined) throw HttpError.notFound(`no feed is named ${target.feed}; the first POST to it creates it`);
  return feed;
}

/**
 * Defence in depth for every value that reaches a response header (RFC 9110 §5.5 field-value:
 * visible ASCII, space and tab). Each source is validated where it is read; a value that still
 * slips through is a server fault, answered 500 and logged, never written to the wire.
 */
function assertHeaderSafe(response: CoreResponse): CoreResponse {
  const bad = response.headers.find(([name, value]) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || !/^[\t\x20-\x7e]*$/.test(value));
  if (bad !== undefined) throw new Error(`response header ${JSON.stringify(bad[0])} holds a value a header cannot carry: ${JSON.stringify(bad[1].slice(0, 100))}`);
  return response;
}

/** HEAD: the GET response's status and headers, Content-Length included, without the body (or stream). */
function withoutBody(response: CoreResponse): CoreResponse {
  if (isStreaming(response)) return { status: response.status, headers: response.headers, body: new Uint8Array(0) };
  return hasBody(response) ? { ...response, body: new Uint8Array(0) } : response;
}

function withHeaders(response: CoreResponse, extra: CoreResponse['headers']): CoreResponse {
  return extra.length === 0 ? response : { ...response, headers: [...response.headers, ...extra] };
}

function errorResponse(error: unknown, method: string, env: CgiEnv, deps: Deps): CoreResponse {
  if (error instanceof HttpError) return problem(error.status, error.detail, error.headers);
  if (error instanceof AppendRejectedError) return rejection(error);
  const where = `${method} ${env['SCRIPT_NAME'] ?? ''}${pathInfo(env)}`;
  if (error instanceof StoreUnavailableError) {
    deps.logError(`atommq: ${where}: ${error.message}`);
    return problem(503, 'the database cannot take this request now; retry later', [['Retry-After', '1']]);
  }
  deps.logError(`atommq: ${where}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  return problem(500, 'the server failed to answer this request; the fault is logged');
}

/** The statuses of appends the store refused inside its transaction. */
function rejection(error: AppendRejectedError): CoreResponse {
  switch (error.reason) {
    case 'no-member': return problem(404, 'no such entry');
    case 'gone': return problem(410, 'the entry was deleted');
    case 'stale': return problem(412, 'the entry has changed since that ETag was issued; GET it again and retry');
    case 'key-reused': return problem(422, 'this Idempotency-Key was already used with a different request body');
  }
}

function problem(status: HttpError['status'] | 500, detail: string, headers: HttpError['headers'] = []): CoreResponse {
  return textResponse(status, PROBLEM_TYPE, renderProblem(status, REASON[status], detail), [...headers, ['Cache-Control', 'no-store']]);
}
