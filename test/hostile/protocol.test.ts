import { runHostileKind } from './run.js';

/** Issue 7's hostile-input corpus. Protocol: unknown methods, 100 kB headers. Each case runs through the core, FastCGI behind lighttpd, and HTTP. */
runHostileKind('protocol');
