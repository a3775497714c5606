import { runHostileKind } from './run.js';

/** Issue 7's hostile-input corpus. Injection: SQL in cursors and feed names, CR/LF in Slug, feed names and Host. Each case runs through the core, FastCGI behind lighttpd, and HTTP. */
runHostileKind('injection');
