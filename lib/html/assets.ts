import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import { HttpError } from '../core/errors.js';
import { parseEtagList } from '../atompub/etag.js';
import { hashText } from './page.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

const ASSETS: ReadonlyMap<string, { readonly type: string; readonly text: string }> = new Map([
  ['atommq.js', { type: 'text/javascript; charset=utf-8', text: PAGE_SCRIPT }],
  ['atommq.css', { type: 'text/css; charset=utf-8', text: PAGE_STYLE }],
]);

/** Serves the HTML view's script and style sheet from `{base}/assets/{name}`, revalidated by ETag. */
export function serveAsset(name: string, ifNoneMatch: string | undefined): CoreResponse {
  const asset = ASSETS.get(name);
  if (asset === undefined) throw HttpError.notFound(`no asset is named ${name.slice(0, 60)}`);
  const tag = hashText(asset.text);
  const headers: CoreResponse['headers'] = [['ETag', `"${tag}"`], ['Cache-Control', 'no-cache'], ['X-Content-Type-Options', 'nosniff']];
  if (ifNoneMatch !== undefined && parseEtagList(ifNoneMatch).includes(tag)) return { status: 304, headers };
  return textResponse(200, asset.type, asset.text, headers);
}
