import type { ServerResponse } from 'node:http';
import type { CoreResponse } from '../core/response.js';
import { hasBody } from '../core/response.js';

/**
 * Writes a core response to a Node `ServerResponse`: the one writer the HTTP and FastCGI
 * adapters share (node-fastcgi's response mimics Node's). A response that cannot be written,
 * because the client went away, is logged and the connection closed.
 */
export function writeNodeResponse(res: ServerResponse, response: CoreResponse, logError: (m: string) => void): void {
  try {
    res.statusCode = response.status;
    for (const [name, values] of groupHeaders(response.headers)) res.setHeader(name, values.length === 1 ? values[0] ?? '' : values);
    if (hasBody(response)) res.end(response.body);
    else res.end();
  } catch (error) {
    logError(`atommq: unable to write the response: ${error instanceof Error ? error.message : String(error)}`);
    res.destroy();
  }
}

function groupHeaders(headers: CoreResponse['headers']): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return grouped;
}
