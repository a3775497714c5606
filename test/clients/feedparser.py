"""Reads an AtomMQ feed with python3-feedparser (Debian), then reads it again with the ETag it got.

usage: /usr/bin/python3 feedparser.py FEED_URI

Prints one JSON object: the first read's status, ETag, feed id and title and each entry's id
and title, then the second read's status. Exits 1 with a message when feedparser reports the feed
malformed (bozo), the first read is not a 200 with an ETag, or the second is not a 304.
"""
import json
import os
import sys
import urllib.request

# This file is itself named feedparser.py, and Python puts its directory first on sys.path, so
# `import feedparser` would import this script. Drop that entry to reach the Debian package.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
import feedparser  # noqa: E402


def fail(message):
    print(f"feedparser.py: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        fail("usage: feedparser.py FEED_URI")
    url = sys.argv[1]
    # Loopback only: never route the request through a proxy named in the environment.
    direct = [urllib.request.ProxyHandler({})]

    first = feedparser.parse(url, handlers=direct)
    if first.get("bozo"):
        fail(f"feedparser found the feed malformed: {first.get('bozo_exception')!r}")
    if first.get("status") != 200:
        fail(f"first read: expected status 200, got {first.get('status')}")
    etag = first.get("etag")
    if not etag:
        fail("first read: the response had no ETag")
    if first.get("version") != "atom10":
        fail(f"first read: feedparser saw {first.get('version')!r}, not Atom 1.0")

    second = feedparser.parse(url, etag=etag, handlers=direct)
    print(json.dumps({
        "status": first.status,
        "etag": etag,
        "feed": {"id": first.feed.get("id"), "title": first.feed.get("title")},
        "entries": [{"id": e.get("id"), "title": e.get("title")} for e in first.entries],
        "second_status": second.get("status"),
        "second_entries": len(second.entries),
    }))
    if second.get("status") != 304:
        fail(f"second read with etag={etag}: expected status 304, got {second.get('status')}")


main()
