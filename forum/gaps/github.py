"""GitHub's issues API: find the issue a gap already became (by the marker in its body), or create it.

Creating an issue is not idempotent on GitHub's side, and a create that timed out may still
have gone through, so every delivery looks first. The lookup lists the repository's issues with
the gap labels, then its most recent issues (labels are silently dropped when the token may not
set them), a bounded number of pages each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from forum.integrations.delivery import DeliveryError, send
from forum.settings import Settings

API_VERSION = "2022-11-28"
_PAGES = 3
_PER_PAGE = 100
REPO_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class GitHubNotConfigured(Exception):
    pass


@dataclass(frozen=True)
class GitHubConfig:
    api_url: str
    token: str
    labels: list[str]
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> GitHubConfig:
        if not settings.gaps_github_token:
            raise GitHubNotConfigured("no GitHub token (FORUM_GAPS_GITHUB_TOKEN); the issue stays queued until there is one")
        labels = [label.strip() for label in settings.gaps_github_labels.split(",") if label.strip()]
        return cls(settings.gaps_github_api_url.rstrip("/"), settings.gaps_github_token, labels, settings.gaps_github_timeout_seconds)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}


@dataclass(frozen=True)
class PostedIssue:
    number: int
    url: str


def _posted(item: dict[str, Any]) -> PostedIssue:
    return PostedIssue(int(item["number"]), str(item.get("html_url") or item.get("url")))


async def find_issue(config: GitHubConfig, repo: str, marker: str) -> PostedIssue | None:
    base = {"state": "all", "per_page": _PER_PAGE, "sort": "created", "direction": "desc"}
    searches = [{**base, "labels": ",".join(config.labels)}] if config.labels else []
    searches.append(base)
    for params in searches:
        for page in range(1, _PAGES + 1):
            response = await send(
                "GET", f"{config.api_url}/repos/{repo}/issues", params={**params, "page": page},
                headers=config.headers, what="GitHub issues", timeout=config.timeout,
            )
            items = response.json()
            if not isinstance(items, list):
                raise DeliveryError(f"GitHub issues answered {type(items).__name__}, not a list")
            for item in items:
                if marker in (item.get("body") or ""):
                    return _posted(item)
            if len(items) < _PER_PAGE:
                break
    return None


async def create_issue(config: GitHubConfig, repo: str, payload: dict[str, Any]) -> PostedIssue:
    body = {**payload, "labels": list(dict.fromkeys([*payload.get("labels", []), *config.labels]))}
    response = await send(
        "POST", f"{config.api_url}/repos/{repo}/issues", json=body, headers=config.headers, what="GitHub issues", timeout=config.timeout
    )
    return _posted(response.json())
