import { runHostileKind } from './run.js';

/** Issue 7's hostile-input corpus. Entity and DTD attacks: external entities to /etc/passwd and to 127.0.0.1, billion laughs, quadratic blowup, a DTD. Each case runs through the core, FastCGI behind lighttpd, and HTTP. */
runHostileKind('entities');
