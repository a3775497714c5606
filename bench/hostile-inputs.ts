/**
 * Pathological request bodies of issue 10, each within the 1 MiB body limit: thousands of
 * namespace declarations, attributes, nesting levels, and documents built to expand when
 * stored. The test (test/correctness/pathological.test.ts) asserts each is refused by a count
 * limit or stored within the byte bound; the bench (bench/hostile-delay.ts) measures the worst
 * event-loop delay each causes.
 */
const ATOM = 'http://www.w3.org/2005/Atom';

/** One pathological body, and how many entries it holds. */
export interface HostileInput {
  readonly name: string;
  readonly body: string;
  readonly entries: number;
}

const declarations = (count: number, uri = (i: number): string => `urn:example:namespace:${i}`): string =>
  Array.from({ length: count }, (_, i) => ` xmlns:p${i}="${uri(i)}"`).join('');

/** The inputs, in the order the bench reports them. */
export function hostileInputs(): HostileInput[] {
  const longUri = (i: number): string => `urn:${'x'.repeat(1000)}:${i}`;
  const uses30 = Array.from({ length: 30 }, (_, i) => `<p${i}:x/>`).join('');
  return [
    { name: 'batch: 1,000 prefixes on the root, 1,000 entries (issue example 5)', body: `<feed xmlns="${ATOM}"${declarations(1000)}>${'<entry><title>n</title></entry>'.repeat(1000)}</feed>`, entries: 1000 },
    { name: 'batch: 3,000 prefixes on the root, 1,000 entries', body: `<feed xmlns="${ATOM}"${declarations(3000)}>${'<entry><title>n</title></entry>'.repeat(1000)}</feed>`, entries: 1000 },
    { name: 'entry: 20,000 declarations on one element', body: `<entry xmlns="${ATOM}"${declarations(20_000)}><title>t</title></entry>`, entries: 1 },
    { name: 'entry: 20,000 attributes on one element', body: `<entry xmlns="${ATOM}"><title ${Array.from({ length: 20_000 }, (_, i) => `a${i}="1"`).join(' ')}>t</title></entry>`, entries: 1 },
    { name: 'entry: 30 declarations on each of 900 elements', body: `<entry xmlns="${ATOM}"><title>t</title>${`<x xmlns="urn:x"${declarations(30)}/>`.repeat(900)}</entry>`, entries: 1 },
    { name: 'entry: 100,000 nested elements', body: `<entry xmlns="${ATOM}"><title>t</title>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</entry>`, entries: 1 },
    { name: 'batch: 30 namespaces of 1 KB on the root, each used by all 900 entries', body: `<feed xmlns="${ATOM}"${declarations(30, longUri)}>${`<entry><title>n</title>${uses30}</entry>`.repeat(900)}</feed>`, entries: 900 },
    { name: 'entry: 200,000 empty elements', body: `<entry xmlns="${ATOM}"><title>t</title><c>${'<a/>'.repeat(200_000)}</c></entry>`, entries: 1 },
    { name: 'entry: 1 MiB of ">" in a title', body: `<entry xmlns="${ATOM}"><title>${'>'.repeat(1_000_000)}</title></entry>`, entries: 1 },
    { name: 'entry: 60 attributes on each of 1,500 elements', body: `<entry xmlns="${ATOM}"><title>t</title>${`<x xmlns="urn:x" ${Array.from({ length: 59 }, (_, i) => `a${i}="v"`).join(' ')}/>`.repeat(1500)}</entry>`, entries: 1 },
    { name: 'batch: 1,000 plain entries (baseline)', body: `<feed xmlns="${ATOM}">${'<entry><title>n</title><content>message body</content></entry>'.repeat(1000)}</feed>`, entries: 1000 },
  ];
}
