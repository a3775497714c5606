import { spawnSync } from 'node:child_process';
import { whichCommand } from './tools.js';

/**
 * A second, independent XML parser for tests: expat, through Python's xml.sax with namespace
 * processing on. It is stricter than libxml2 where consumers disagree: it refuses undeclared
 * prefixes, names outside XML 1.0 (Fourth Edition) Appendix B, and characters XML 1.0 forbids.
 * The documents go to one python3 process as a JSON list; the answer is one error (or null) each.
 */
const SCRIPT = `
import io, json, sys, xml.sax
from xml.sax.handler import ContentHandler, feature_namespaces
out = []
for doc in json.load(sys.stdin):
    parser = xml.sax.make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(ContentHandler())
    try:
        parser.parse(io.BytesIO(doc.encode('utf-8', 'surrogatepass')))
        out.append(None)
    except Exception as error:
        out.append(str(error))
json.dump(out, sys.stdout)
`;

/** True when python3 is there to run the strict parser. */
export const HAS_STRICT_PARSER = whichCommand('python3') !== undefined;

/** Parses each document with expat (namespaces on); returns the error of each, or null. */
export function strictParseErrors(documents: readonly string[]): Array<string | null> {
  const result = spawnSync('python3', ['-c', SCRIPT], { input: JSON.stringify(documents), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  const parsed: unknown = JSON.parse(result.stdout);
  if (!Array.isArray(parsed)) throw new Error('python3 answered no list');
  return parsed.map((e: unknown) => (typeof e === 'string' ? e : null));
}

/** Throws unless every document is namespace-well-formed XML to expat. */
export function assertStrictXml(documents: readonly string[], what: string): void {
  const errors = strictParseErrors(documents);
  errors.forEach((error, i) => {
    if (error !== null) throw new Error(`${what} [${i}] is not namespace-well-formed XML to expat: ${error}\n${(documents[i] ?? '').slice(0, 600)}`);
  });
}
