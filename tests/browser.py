"""Open a page in a real browser (headless Chromium) and measure it from its DOM.

`make test` installs Chromium's headless shell from Debian's packages when it is
missing (see the Makefile). Every network request the page makes goes to a recording
proxy on 127.0.0.1 that answers 404, so a test can assert that a "self-contained" page
fetched nothing and nothing ever leaves the machine.
"""

from __future__ import annotations

import html
import http.server
import json
import re
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BROWSER_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser")

# Runs in the page after it loaded: the measurements a test asserts on, written into
# the DOM so --dump-dom carries them out. Kept in plain ES5 so any Chromium runs it.
_PROBE = r"""
<script>
window.addEventListener('load', function () {
  var vw = window.innerWidth, vh = window.innerHeight;
  function box(el) {
    var r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return {top: r.top + window.scrollY, left: r.left, right: r.right,
            bottom: r.bottom + window.scrollY, width: r.width, height: r.height,
            visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
                     && s.display !== 'none',
            text: (el.innerText || '').slice(0, 400)};
  }
  var out = {viewport: {width: vw, height: vh},
             page_width: document.documentElement.scrollWidth,
             selectors: {}, tables: [], images: [], resources: []};
  var wanted = __SELECTORS__;
  for (var i = 0; i < wanted.length; i++) {
    var nodes = document.querySelectorAll(wanted[i]), found = [];
    for (var j = 0; j < nodes.length; j++) found.push(box(nodes[j]));
    out.selectors[wanted[i]] = found;
  }
  var tables = document.querySelectorAll('table');
  for (var t = 0; t < tables.length; t++) {
    var b = box(tables[t]);
    b.overflows = tables[t].getBoundingClientRect().right > vw + 0.5;
    out.tables.push(b);
  }
  var imgs = document.querySelectorAll('img');
  for (var k = 0; k < imgs.length; k++) out.images.push(imgs[k].getAttribute('src'));
  var entries = performance.getEntriesByType('resource');
  for (var e = 0; e < entries.length; e++) out.resources.push(entries[e].name);
  var pre = document.createElement('pre');
  pre.id = '__careerloop_probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""

_PROBE_RESULT = re.compile(r'<pre id="__careerloop_probe">(.*?)</pre>', re.S)


def find_browser() -> str | None:
    """The headless Chromium on this machine, or None."""
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Measurement:
    """What the probe saw of one page at one window size."""

    viewport: dict[str, float]
    page_width: float
    selectors: dict[str, list[dict[str, Any]]]
    tables: list[dict[str, Any]]
    images: list[str]
    resources: list[str]
    requests: list[str] = field(default_factory=list)  # seen by the recording proxy

    def visible(self, selector: str) -> bool:
        """At least one element matches `selector` and has a visible box."""
        return any(b["visible"] for b in self.selectors.get(selector, []))

    def above_fold(self, selector: str) -> bool:
        """A visible element matching `selector` starts within the first screen."""
        return any(b["visible"] and b["top"] < self.viewport["height"]
                   for b in self.selectors.get(selector, []))

    def overflowing_tables(self) -> list[dict[str, Any]]:
        return [t for t in self.tables if t["overflows"]]


class _RecordingProxy(http.server.BaseHTTPRequestHandler):
    seen: list[str]

    def _record(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_CONNECT = _record  # noqa: N815 - http.server's names

    def log_message(self, *args: object) -> None:
        return


@contextmanager
def recording_proxy() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP proxy that answers 404 to everything and records what it saw."""
    seen: list[str] = []
    handler = type("Handler", (_RecordingProxy,), {"seen": seen})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _chromium(browser: str, proxy: str, width: int, height: int, *args: str) -> str:
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-default-apps", "--mute-audio",
        f"--proxy-server=http://{proxy}", "--proxy-bypass-list=<-loopback>",
        f"--window-size={width},{height}", "--virtual-time-budget=3000", *args,
    ]
    # A generous bound: this is a hang guard, not a speed assertion.
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def measure(
    page: Path,
    *,
    width: int,
    height: int = 900,
    selectors: Sequence[str] = (),
    screenshot: Path | None = None,
) -> Measurement:
    """Load `page` at `width` x `height`, optionally screenshot it, and measure its DOM.

    The page is probed from a copy beside it (so relative links still resolve); the
    original file is not changed.
    """
    browser = find_browser()
    if browser is None:
        raise RuntimeError("no headless Chromium: `make test` installs chromium-headless-shell")
    source = page.read_text(encoding="utf-8")
    probe = _PROBE.replace("__SELECTORS__", json.dumps(list(selectors)))
    probed = page.with_name(f".probe-{width}-{page.name}")
    if "</body>" in source:
        probed.write_text(source.replace("</body>", probe + "</body>", 1), encoding="utf-8")
    else:
        probed.write_text(source + probe, encoding="utf-8")
    try:
        with recording_proxy() as (proxy, seen):
            if screenshot is not None:
                _chromium(browser, proxy, width, height, f"--screenshot={screenshot}",
                          page.resolve().as_uri())
            dom = _chromium(browser, proxy, width, height, "--dump-dom",
                            probed.resolve().as_uri())
            requests = list(seen)
    finally:
        probed.unlink(missing_ok=True)
    found = _PROBE_RESULT.search(dom)
    if found is None:
        raise RuntimeError("the page's probe did not run (no load event?)")
    data = json.loads(_unescape_html(found.group(1)))
    return Measurement(requests=requests, **data)


def _unescape_html(text: str) -> str:
    return html.unescape(text)
