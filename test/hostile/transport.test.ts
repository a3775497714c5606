import { runHostileKind } from './run.js';

/** Issue 7's hostile-input corpus. Transport: chunked bodies, clients that disconnect mid-body. Each case runs through the core, FastCGI behind lighttpd, and HTTP. */
runHostileKind('transport');
