/**
 * The feed page's script, served from `{base}/assets/atommq.js` (the Content-Security-Policy
 * allows no inline script). It follows the feed with EventSource and appends each new message,
 * and publishes the form's title and text by POSTing an Atom entry it builds with the DOM, so the
 * server's contract is unchanged: every POST body is still an Atom entry. Publishers' text only
 * ever reaches the page through `textContent`, and only http(s) URLs become links.
 */
export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var ATOM = 'http://www.w3.org/2005/Atom';
  var list = document.getElementById('messages');
  var status = document.getElementById('live-status');
  var form = document.getElementById('publish');
  var lastSeq = list ? Number(list.getAttribute('data-last-seq') || '0') : 0;
  var source = null;

  function setStatus(text, state) {
    if (status) status.textContent = text;
    document.documentElement.setAttribute('data-live', state);
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function atomChildren(element, name) {
    var found = [];
    for (var c = element.firstElementChild; c; c = c.nextElementSibling) {
      if (c.namespaceURI === ATOM && c.localName === name) found.push(c);
    }
    return found;
  }

  function httpUrl(href) {
    try {
      var url = new URL(href, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function isJson(type) {
    return /^application\/(?:[\w.+-]+\+)?json\b/i.test(type || '');
  }

  function mediaBlock(src, type) {
    var block = make('div', 'content');
    var link = make('a', null, 'media resource (' + (type || 'unknown type') + ')');
    var href = httpUrl(src);
    if (href) link.href = href;
    block.appendChild(link);
    if (href && isJson(type)) {
      fetch(href, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (text) {
        var pre = make('pre', 'json');
        try { pre.textContent = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { pre.textContent = text; }
        block.replaceChildren(pre);
      }).catch(function () { /* the link stays */ });
    }
    return block;
  }

  function entryItem(seq, entry) {
    var item = make('li', 'message');
    item.id = 'm-' + seq;
    var article = make('article');
    var heading = make('h3', 'title');
    var title = atomChildren(entry, 'title')[0];
    var anchor = make('a', null, title && title.textContent.trim() ? title.textContent.trim() : '(untitled)');
    atomChildren(entry, 'link').forEach(function (link) {
      var href = httpUrl(link.getAttribute('href') || '');
      if (link.getAttribute('rel') === 'self' && href) anchor.href = href;
    });
    heading.appendChild(anchor);
    article.appendChild(heading);
    var meta = make('p', 'meta');
    meta.appendChild(make('span', 'seq', '#' + seq));
    var updated = atomChildren(entry, 'updated')[0];
    var time = make('time', null, updated ? updated.textContent : '');
    if (updated) time.setAttribute('datetime', updated.textContent);
    meta.appendChild(time);
    article.appendChild(meta);
    // As the server's page: the content, or else the summary (RFC 4287 §4.1.1.1 lets an entry have only one).
    // An empty content is what the server stores for an entry posted without one: the summary then.
    var content = atomChildren(entry, 'content')[0];
    if (!content || (!content.getAttribute('src') && content.textContent === '')) content = atomChildren(entry, 'summary')[0] || content;
    if (content && content.getAttribute('src')) {
      article.appendChild(mediaBlock(content.getAttribute('src'), content.getAttribute('type')));
    } else if (content) {
      var block = make('div', 'content');
      block.appendChild(make('pre', null, content.textContent));
      article.appendChild(block);
    }
    item.appendChild(article);
    return item;
  }

  function tombstoneItem(seq, tombstone) {
    var item = make('li', 'message deleted');
    item.id = 'm-' + seq;
    var p = make('p', 'meta');
    p.appendChild(make('span', 'seq', '#' + seq));
    p.appendChild(document.createTextNode(' deleted ' + (tombstone.getAttribute('ref') || '') + ' at ' + (tombstone.getAttribute('when') || '')));
    item.appendChild(p);
    return item;
  }

  // Times arrive as RFC 3339 UTC; readers see them in their own zone, the exact value on hover.
  function localizeTime(time) {
    var when = new Date(time.getAttribute('datetime') || '');
    if (isNaN(when.getTime())) return;
    time.title = time.getAttribute('datetime');
    time.textContent = when.toLocaleString();
  }

  function accept(event, render) {
    var seq = Number(event.lastEventId);
    if (!(seq > lastSeq)) return;
    lastSeq = seq;
    // In a parsed XML document, XHTML and SVG elements are live: an <img> would load and fire its
    // onerror. Moving them out of those namespaces first leaves inert elements to read text from.
    var inert = event.data.replace(/http:\/\/www\.w3\.org\/(1999\/xhtml|2000\/svg|1998\/Math\/MathML)/g, 'urn:x-atommq-inert:$1');
    var doc = new DOMParser().parseFromString(inert, 'application/xml');
    if (doc.getElementsByTagName('parsererror').length > 0 || document.getElementById('m-' + seq)) return;
    var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
    var item = render(seq, doc.documentElement);
    Array.prototype.forEach.call(item.querySelectorAll('time[datetime]'), localizeTime);
    list.appendChild(item);
    if (atBottom) window.scrollTo(0, document.body.scrollHeight);
    var empty = document.getElementById('no-messages');
    if (empty) empty.remove();
  }

  // EventSource reconnects by itself with Last-Event-ID after a dropped connection, but stops for
  // good after any non-200 answer (a 503, a restart behind a proxy); then a new one is made.
  function connect() {
    var url = list.getAttribute('data-stream');
    source = new EventSource(url + (url.indexOf('?') < 0 ? '?' : '&') + 'start_after=' + lastSeq);
    setStatus('Connecting to the live stream…', 'connecting');
    source.onopen = function () { setStatus('Live: new messages appear at the bottom.', 'open'); };
    source.addEventListener('entry', function (event) { accept(event, entryItem); });
    source.addEventListener('deleted', function (event) { accept(event, tombstoneItem); });
    source.addEventListener('pruned', function (event) {
      lastSeq = Math.max(lastSeq, Number(event.lastEventId) || 0);
      setStatus('Older messages were removed by retention.', 'open');
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        setStatus('Disconnected; trying again…', 'closed');
        setTimeout(connect, 2000);
      } else {
        setStatus('Reconnecting…', 'connecting');
      }
    };
  }

  function problemDetail(text) {
    var doc = new DOMParser().parseFromString(text, 'application/xml');
    var detail = doc.getElementsByTagName('detail')[0];
    return detail ? detail.textContent : '';
  }

  function publish(event) {
    event.preventDefault();
    var button = form.querySelector('button');
    // aria-disabled, not disabled: a disabled button loses focus, and a keyboard user who pressed
    // it would be sent back to the top of the page (HTML's focus fixup).
    if (button.getAttribute('aria-disabled') === 'true') return;
    var result = document.getElementById('publish-status');
    var doc = document.implementation.createDocument(ATOM, 'entry', null);
    var title = doc.createElementNS(ATOM, 'title');
    title.textContent = form.elements.namedItem('title').value;
    doc.documentElement.appendChild(title);
    var text = form.elements.namedItem('text').value;
    if (text !== '') {
      var content = doc.createElementNS(ATOM, 'content');
      content.setAttribute('type', 'text');
      content.textContent = text;
      doc.documentElement.appendChild(content);
    }
    button.setAttribute('aria-disabled', 'true');
    fetch(form.getAttribute('data-post'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/atom+xml;type=entry' },
      body: new XMLSerializer().serializeToString(doc),
    }).then(function (response) {
      if (response.status === 201) {
        var seq = (response.headers.get('ETag') || '').replace(/^.*\.(\d+)"$/, '$1');
        result.textContent = 'Published as message #' + seq + '.';
        form.reset();
        return undefined;
      }
      return response.text().then(function (body) {
        result.textContent = 'Not published (' + response.status + '): ' + problemDetail(body);
      });
    }).catch(function (error) {
      result.textContent = 'Not published: ' + error.message;
    }).finally(function () {
      button.removeAttribute('aria-disabled');
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('time[datetime]'), localizeTime);
  // The newest page reads like a log's tail: start at the bottom, where new messages arrive.
  if (list && list.getAttribute('data-stream')) {
    if (!location.hash) window.scrollTo(0, document.body.scrollHeight);
    connect();
  }
  if (form) form.addEventListener('submit', publish);
})();
`;
