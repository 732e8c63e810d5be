"""A local server that behaves like GitHub's issues API for one token: list (filters, pages) and create."""

from __future__ import annotations

import json
from typing import Any

from tests.integrations.fakes import Answer, FakeService, Received


def _json(status: int, data: Any, **headers: str) -> Answer:
    return Answer(status, json.dumps(data).encode(), {"Content-Type": "application/json; charset=utf-8", **headers})


class FakeGitHub(FakeService):
    """`GET /repos/{owner}/{repo}/issues` (state, labels, sort, direction, per_page, page) and `POST` to create."""

    def __init__(self, token: str = "ghp-test-token", repos: tuple[str, ...] = ("acme/docs",), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token = token
        self.issues: dict[str, list[dict[str, Any]]] = {repo: [] for repo in repos}

    def error(self, status: int, headers: dict[str, str]) -> Answer:
        messages = {429: "API rate limit exceeded", 500: "Server Error", 503: "Service Unavailable"}
        return _json(status, {"message": messages.get(status, "Error"), "documentation_url": "https://docs.github.com/rest"}, **headers)

    def handle(self, request: Received) -> Answer:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, {"message": "Bad credentials"})
        parts = request.path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "repos" or parts[3] != "issues":
            return _json(404, {"message": "Not Found"})
        repo = f"{parts[1]}/{parts[2]}"
        if repo not in self.issues:
            return _json(404, {"message": "Not Found"})
        if request.method == "GET":
            return self._list(repo, request.query)
        if request.method != "POST":
            return _json(404, {"message": "Not Found"})
        data = request.json()
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            return _json(422, {"message": "Validation Failed", "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]})
        with self._lock:
            number = sum(len(v) for v in self.issues.values()) + 1
            issue = {
                "number": number,
                "title": data["title"],
                "body": data.get("body") or "",
                "labels": [{"name": name} for name in data.get("labels", [])],
                "state": "open",
                "html_url": f"https://github.com/{repo}/issues/{number}",
                "url": f"{self.url}/repos/{repo}/issues/{number}",
            }
            self.issues[repo].append(issue)
        return _json(201, issue, Location=issue["url"])

    def _list(self, repo: str, query: dict[str, list[str]]) -> Answer:
        wanted = [name for name in (query.get("labels") or [""])[0].split(",") if name]
        per_page = min(100, int((query.get("per_page") or ["30"])[0]))
        page = int((query.get("page") or ["1"])[0])
        with self._lock:
            found = [i for i in self.issues[repo] if all(name in {label["name"] for label in i["labels"]} for name in wanted)]
        if (query.get("direction") or ["desc"])[0] == "desc":
            found = found[::-1]
        return _json(200, found[(page - 1) * per_page : page * per_page])

    def created(self, repo: str = "acme/docs") -> list[dict[str, Any]]:
        with self._lock:
            return list(self.issues[repo])
