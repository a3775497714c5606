import { runHostileKind } from './run.js';

/** Issue 7's hostile-input corpus. Names: feed names with .., %2F, NUL, unicode, 10,000 characters. Each case runs through the core, FastCGI behind lighttpd, and HTTP. */
runHostileKind('names');
