import { authorizeRequest, readableFeeds } from '../auth/access.js';
import { readArchive, readFeedPage } from '../atompub/feed-page.js';
import { requestedWait } from '../atompub/wait.js';
import { EDITED_VIEW, readEditedView } from '../atompub/collection-view.js';
import { deleteMember, replaceMember } from '../atompub/edit.js';
import { readMedia } from '../atompub/media.js';
import { readMember } from '../atompub/member.js';
import { publish } from '../atompub/publish.js';
import { readServiceDocument } from '../atompub/service.js';
import { answerGroup } from '../atompub/groups/answer.js';
import { Urls } from '../atompub/urls.js';
import { AppendRejectedError, StoreUnavailableError } from '../storage/store.js';
import type { FeedRecord } from '../storage/store.js';
import { renderProblem, PROBLEM_TYPE } from '../xml/problem.js';
import { readBody } from './body.js';
import type { BodySource, Deps } from './deps.js';
import type { CgiEnv } from './env.js';
import { baseUrl, pathInfo, queryParams, requestHeader, requestMethod } from './env.js';
import { HttpError } from './errors.js';
import type { CoreResponse } from './response.js';
import { REASON, hasBody, textResponse } from './response.js';
import type { Route } from './router.js';
import { ALLOWED_METHODS, route } from './router.js';

/**
 * The whole application: one CGI-style request in, one response out. Every adapter (CGI,
 * FastCGI, HTTP) calls this and writes the result unchanged. It never throws: client errors
 * become their 4xx, a store that cannot write becomes 503, and anything else is logged and
 * answered with a bare 500.
 */
export async function handle(env: CgiEnv, body: BodySource, deps: Deps, signal?: AbortSignal): Promise<CoreResponse> {
  const method = requestMethod(env);
  try {
    const response = await dispatch(method, env, body, deps, signal);
    return method === 'HEAD' ? withoutBody(response) : response;
  } catch (error) {
    return errorResponse(error, method, env, deps);
  }
}

async function dispatch(method: string, env: CgiEnv, body: BodySource, deps: Deps, signal: AbortSignal | undefined): Promise<CoreResponse> {
  const target = route(pathInfo(env), deps.config.feed);
  const allowed = ALLOWED_METHODS[target.kind];
  if (!allowed.includes(method)) throw HttpError.methodNotAllowed(method, allowed);
  // Once per request, before any body is read or any feed looked up: a 401 reads no body.
  const identity = deps.auth === undefined ? undefined : await authorizeRequest(deps.auth, target, method, env, deps.config.feed);
  const urls = new Urls(baseUrl(env), deps.config.feed);
  switch (target.kind) {
    case 'service': {
      const listed = deps.config.feed === undefined ? await deps.store.listFeeds() : [await deps.store.ensureFeed(deps.config.feed)];
      const feeds = deps.auth === undefined ? listed : readableFeeds(deps.auth, identity, listed);
      return readServiceDocument(feeds, urls, deps);
    }
    case 'collection': {
      if (method === 'POST') {
        const bytes = await readBody(env, body, deps.config.maxBodyBytes);
        return publish({ feed: target.feed, contentType: env['CONTENT_TYPE'], slug: requestHeader(env, 'Slug'), idempotencyKey: requestHeader(env, 'Idempotency-Key'), body: bytes, urls }, deps);
      }
      const query = queryParams(env);
      const feed = await existingFeed(target, deps);
      if (query.get('view') === EDITED_VIEW) return readEditedView(feed, query.get('before') ?? undefined, urls, deps);
      const wait = requestedWait(requestHeader(env, 'Prefer'), query.get('wait') ?? undefined, deps.config.maxWaitSeconds);
      return readFeedPage({ feed, cursor: cursorInput(env), limit: query.get('limit') ?? undefined, urls, wait, signal }, deps);
    }
    case 'member': {
      const feed = await existingFeed(target, deps);
      const edit = { feed, key: target.key, ifMatch: requestHeader(env, 'If-Match'), urls };
      if (method === 'PUT') {
        const bytes = await readBody(env, body, deps.config.maxBodyBytes);
        return replaceMember({ ...edit, contentType: env['CONTENT_TYPE'], body: bytes }, deps);
      }
      if (method === 'DELETE') return deleteMember(edit, deps);
      return readMember({ feed, key: target.key, ifNoneMatch: requestHeader(env, 'If-None-Match'), urls }, deps);
    }
    case 'archive':
      return readArchive(await existingFeed(target, deps), target.key, urls, deps);
    case 'media':
      return readMedia({ feed: await existingFeed(target, deps), key: target.key, ifNoneMatch: requestHeader(env, 'If-None-Match') }, deps);
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

/** HEAD: the GET response's status and headers, Content-Length included, without the body. */
function withoutBody(response: CoreResponse): CoreResponse {
  return hasBody(response) ? { ...response, body: new Uint8Array(0) } : response;
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
