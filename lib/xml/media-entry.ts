import { NS } from './namespaces.js';
import { element } from './writer.js';

/**
 * The stored form of a new media link entry (RFC 5023 §9.6): a title taken from the `Slug`
 * header when there is one (RFC 5023 §9.7 lets the server use it), an author, and a summary
 * naming the media type and size. The `content src` and `edit-media` link are added at render time, since they hold
 * the request's base URL.
 */
export function mediaLinkEntryXml(title: string, author: string, mediaType: string, size: number): string {
  return element('entry', { xmlns: NS.atom },
    element('title', {}, title),
    element('author', {}, element('name', {}, author)),
    // RFC 4287 §4.1.1.1: an entry whose content has a src needs a summary.
    element('summary', {}, `${mediaType}, ${size} bytes`)).markup;
}
