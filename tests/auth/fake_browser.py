"""A stand-in for the person at the browser, used as $BROWSER by the auth tests.

`python fake_browser.py URL` opens the consent page, presses Allow (or Deny), and follows the
redirect to wherever Etsy sends the browser (the CLI's loopback callback). What it does is set by
FAKE_BROWSER: allow (default), deny, tamper (changes the state), stall (never comes back),
print (writes the final redirect address to FAKE_BROWSER_OUT instead of visiting it).
A <select> is sent as a browser sends it (the selected option, else the first);
FAKE_BROWSER_CHOOSE=NAME=VALUE picks another option, e.g. the seller on the sandbox's consent
page (`user_id=84730351`).
"""

from __future__ import annotations

import os
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx


class Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None  # the name of the <select> being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "select" and self.forms:
            self._select = a.get("name") or None
        elif tag == "option" and self._select:
            fields = self.forms[-1]["fields"]
            if self._select not in fields or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "form":
            self.forms.append(
                {
                    "action": a.get("action", ""),
                    "method": a.get("method", "get"),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif tag in ("input", "button") and self.forms:
            form = self.forms[-1]
            kind = a.get("type", "submit" if tag == "button" else "text")
            if kind == "submit":
                form["buttons"].append((a.get("name", ""), a.get("value", "")))
            elif a.get("name"):
                form["fields"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def consent_redirect(http: httpx.Client, url: str, choice: str) -> str:
    page = http.get(url)
    if page.status_code in (301, 302, 303, 307):
        return page.headers["location"]  # auto-approve
    page.raise_for_status()
    parser = Forms()
    parser.feed(page.text)
    for form in parser.forms:
        for name, value in form["buttons"]:
            if choice in value.lower() or choice in name.lower():
                data = dict(form["fields"])
                chosen = os.environ.get("FAKE_BROWSER_CHOOSE", "")
                if chosen:
                    field, _, value_chosen = chosen.partition("=")
                    data[field] = value_chosen
                if name:
                    data[name] = value
                target = urljoin(url, form["action"] or url)
                if form["method"].lower() == "post":
                    answer = http.post(target, data=data)
                else:
                    answer = http.get(target, params=data)
                return answer.headers["location"]
    raise SystemExit(f"no {choice!r} button on the consent page")


def main() -> None:
    url = sys.argv[1]
    mode = os.environ.get("FAKE_BROWSER", "allow")
    with httpx.Client(timeout=10) as http:
        location = consent_redirect(http, url, "deny" if mode == "deny" else "allow")
        if mode == "tamper":
            location = location.replace("state=", "state=x")
        if mode == "stall":
            return
        if mode == "print":
            with open(os.environ["FAKE_BROWSER_OUT"], "w") as fh:
                fh.write(location)
            return
        http.get(location)


if __name__ == "__main__":
    main()
