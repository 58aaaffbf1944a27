"""The outside probe, as test helpers: crawl the site as a signed-in person (links and htmx
partials), and find every form on the pages reached. Nothing here is a hand list of pages: a
new page or form is probed the day it is linked from anywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

# Not crawled: static files, signing out, Django's admin, the health page (no patient data).
SKIP = re.compile(r"^/(static/|accounts/logout|admin/|health/)")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    index: int | None = None  # its place among the page's <form> elements (None: an htmx control)
    htmx: bool = False  # submitted by htmx in the browser (no page load)

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """Forms that differ only by the object in their action are probed once per page shape."""
        return (self.method, UUID.sub("<id>", self.action), tuple(sorted(self.fields)))


class _Page(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for attribute in ("href", "hx-get", "data-href"):
            if a.get(attribute):
                self.links.append(a[attribute])
        if tag == "form":
            method = "post" if a.get("method", "").lower() == "post" or a.get("hx-post") else "get"
            action = a.get("hx-post") or a.get("action") or self.url
            index = sum(1 for f in self.forms if f.index is not None)
            self._form = Form(
                self.url,
                urljoin(self.url, action),
                method,
                index=index,
                htmx=bool(a.get("hx-post") or a.get("hx-get")),
            )
            self.forms.append(self._form)
            return
        if a.get("hx-post") and self._form is None:  # a control that posts by itself
            self.forms.append(Form(self.url, urljoin(self.url, a["hx-post"]), "post"))
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                form.fields.setdefault(name, {"type": "submit", "value": a.get("value", "")})
            elif kind in {"checkbox", "radio"}:
                entry = form.fields.setdefault(name, {"type": kind, "options": []})
                entry["options"].append(a.get("value", "on"))
            else:
                form.fields[name] = {"type": kind, "value": a.get("value", "")}
        elif tag == "textarea" and name:
            form.fields[name] = {"type": "textarea", "value": ""}
        elif tag == "select" and name:
            form.fields[name] = {"type": "select", "options": []}
            self._select = name
        elif tag == "option" and self._select:
            form.fields[self._select]["options"].append(a.get("value", ""))
        elif tag == "button" and name:
            form.fields.setdefault(name, {"type": "submit", "value": a.get("value", "")})

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def body_of(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # path -> body
    statuses: dict[str, int] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)

    @property
    def object_urls(self) -> list[str]:
        """Every page reached whose address names an object."""
        return [url for url in self.pages if UUID.search(url)]


def crawl(client: Any, start: list[str], *, limit: int = 400) -> Crawl:
    """Every page reachable from `start` on this site (GET only), with the forms on them."""
    found = Crawl()
    queue = list(start)
    while queue and len(found.pages) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue
        if not parts.path.startswith("/") or SKIP.search(parts.path):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in found.pages:
            continue
        headers = {"HX-Request": "true"} if "section" in path else {}
        response = client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.status_code)
        body = body_of(response)
        found.pages[path] = body
        found.statuses[path] = response.status_code
        if "html" in response.get("Content-Type", ""):
            parser = _Page(path)
            parser.feed(body)
            queue.extend(urljoin(path, link) for link in parser.links)
            found.forms.extend(parser.forms)
    return found


def distinct_forms(forms: list[Form]) -> list[Form]:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    out = []
    for form in forms:
        if form.key not in seen and not SKIP.search(urlsplit(form.action).path):
            seen.add(form.key)
            out.append(form)
    return out
