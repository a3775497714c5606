#!/usr/bin/env python3
"""Holds a listening socket the way a systemd .socket unit does, for the socket-activation tests.

usage: socket-holder.py tcp 127.0.0.1 -- COMMAND...
       socket-holder.py unix PATH MODE GROUP -- COMMAND...

It binds and listens, prints "listening PORT" (or "listening PATH"), then reads commands on
stdin, one a line:
  start   fork; in the child, put the socket on fd 3, set LISTEN_FDS=1 and LISTEN_PID to the
          child's own pid (as systemd does after fork), and exec COMMAND. Prints "started PID".
  stop    SIGTERM the child and wait for it. Prints "stopped STATUS".
The socket stays open across stop and start, so connections made meanwhile wait in its backlog.
The child's stdout goes to stderr, which stays the test's.
"""
import grp
import os
import signal
import socket
import sys

args = sys.argv[1:]
split = args.index('--')
spec, command = args[:split], args[split + 1:]
if spec[0] == 'tcp':
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((spec[1], 0))
    where = str(sock.getsockname()[1])
else:
    path, mode, group = spec[1], int(spec[2], 8), spec[3]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o777 & ~mode)
    sock.bind(path)
    os.umask(old)
    os.chown(path, -1, grp.getgrnam(group).gr_gid)
    where = path
sock.listen(128)
print('listening', where, flush=True)

child = None
for line in sys.stdin:
    word = line.strip()
    if word == 'start':
        child = os.fork()
        if child == 0:
            if sock.fileno() != 3:
                os.dup2(sock.fileno(), 3)
            os.set_inheritable(3, True)  # Python opens sockets close-on-exec
            os.dup2(2, 1)
            env = dict(os.environ, LISTEN_FDS='1', LISTEN_PID=str(os.getpid()))
            os.execvpe(command[0], command, env)
        print('started', child, flush=True)
    elif word == 'stop' and child is not None:
        os.kill(child, signal.SIGTERM)
        _, status = os.waitpid(child, 0)
        child = None
        print('stopped', status, flush=True)
if child is not None:
    os.kill(child, signal.SIGTERM)
    os.waitpid(child, 0)
