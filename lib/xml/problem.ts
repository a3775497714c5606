import { NS } from './namespaces.js';
import { element, xmlDocument } from './writer.js';

/** The media type of an RFC 9457 problem document in XML. */
export const PROBLEM_TYPE = 'application/problem+xml';

/** Renders an RFC 9457 problem document: short, readable, and never a stack trace. */
export function renderProblem(status: number, title: string, detail: string): string {
  return xmlDocument(element('problem', { xmlns: NS.problem },
    element('type', {}, 'about:blank'),
    element('title', {}, title),
    element('status', {}, String(status)),
    element('detail', {}, detail)));
}
