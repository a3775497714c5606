import { runHostileKind } from './run.js';

/** Issue 7's hostile-input corpus. Malformed XML: malformed, truncated, invalid UTF-8, BOMs, a non-entry root, no title. Each case runs through the core, FastCGI behind lighttpd, and HTTP. */
runHostileKind('malformed-xml');
