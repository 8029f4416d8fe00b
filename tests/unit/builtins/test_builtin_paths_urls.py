"""_paths (lexical + resolved containment) and _urls (host parsing, never substrings)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goalrail.policies.builtins import _paths, _urls


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "repo" / "src").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "repo" / "escape")
    os.symlink(tmp_path / "nowhere", tmp_path / "repo" / "dangling")
    os.symlink(tmp_path / "repo" / "src", tmp_path / "inlink")
    return tmp_path


def test_lexical_form(tree: Path) -> None:
    assert _paths.lexical("src/../x", "/r") == "/r/x"
    assert _paths.lexical("/a//b/./c/..") == "/a/b"
    assert _paths.lexical("~") == os.path.expanduser("~")
    assert _paths.lexical("rel") is None  # no cwd: not resolvable
    assert _paths.lexical("rel", "relative/cwd") is None
    assert _paths.lexical("a\0b", "/r") is None
    assert _paths.lexical("", "/r") is None
    assert _paths.lexical("~nosuchuser12345/x", "/r") is None


def test_resolved_form_follows_symlinks(tree: Path) -> None:
    repo = str(tree / "repo")
    assert _paths.resolved("escape", repo) == str(tree / "outside")
    assert _paths.resolved("escape/new/file", repo) == str(tree / "outside" / "new" / "file")
    assert _paths.resolved("escape/..", repo) == str(tree)


def test_is_within(tree: Path) -> None:
    repo = str(tree / "repo")
    allowed = [repo]
    assert _paths.is_within("src", allowed, repo)
    assert _paths.is_within(".", allowed, repo)
    assert _paths.is_within(repo, allowed, "/elsewhere")
    assert _paths.is_within("src/new/dir", allowed, repo)  # new paths resolve via nearest ancestor
    assert not _paths.is_within("..", allowed, repo)
    assert not _paths.is_within("src/../..", allowed, repo)
    assert not _paths.is_within("escape", allowed, repo)  # lexical inside, resolved outside
    assert not _paths.is_within("escape/new", allowed, repo)
    assert not _paths.is_within(repo + "/escape/..", allowed, repo)
    assert not _paths.is_within(repo + "-evil", allowed, repo)  # prefix is not containment
    assert not _paths.is_within("src", allowed, None)  # relative without cwd: outside
    assert not _paths.is_within("src", ["relative"], None)
    assert not _paths.is_within("/etc", [], repo)


def test_is_within_needs_both_forms(tree: Path) -> None:
    # /tmp/inlink -> repo/src: resolved inside, lexically outside: still outside
    assert not _paths.is_within(str(tree / "inlink"), [str(tree / "repo")], "/")
    assert _paths.is_within(str(tree / "inlink"), [str(tree / "repo"), str(tree / "inlink")], "/")


def test_dangling_symlink_resolves_to_its_target(tree: Path) -> None:
    repo = str(tree / "repo")
    assert not _paths.is_within("dangling", [repo], repo)


def test_root_and_trailing_slashes(tree: Path) -> None:
    assert _paths.is_within("/anything", ["/"], "/")
    assert _paths.is_within(str(tree / "repo") + "/", [str(tree / "repo") + "/"], "/")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://github.com/a/b", "github.com"),
        ("https://GitHub.com./a/b", "github.com"),
        ("https://user:tok@github.com:443/a/b.git", "github.com"),
        ("https://github.com@evil.io/a/b", "evil.io"),
        ("https://evil.io#@github.com/a/b", "evil.io"),
        ("https://evil.io?x=@github.com/a/b", "evil.io"),
        ("ssh://git@github.com:22/a/b.git", "github.com"),
        ("git@github.com:a/b.git", "github.com"),
        ("github.com:a/b", "github.com"),
        ("git://github.com/a/b", "github.com"),
        ("https://[::1]/x", "::1"),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert _urls.host_of(url) == host


@pytest.mark.parametrize(
    "url",
    [
        "origin",
        "../x.git",
        "/srv/repo.git",
        "",
        "https://evil.io\\@github.com/a/b",
        "https://ɡithub.com/a/b",
        "https://git hub.com/a",
        "file:///tmp/x",
        "C:/x",
    ],
)
def test_unparseable_or_local_remotes_have_no_host(url: str) -> None:
    assert _urls.host_of(url) is None


def test_host_matches_exact_or_subdomain_only() -> None:
    assert _urls.host_matches("github.com", "github.com")
    assert _urls.host_matches("api.github.com", "github.com")
    assert _urls.host_matches("GITHUB.COM.", "github.com")
    for bad in ("evil-github.com", "github.com.evil.io", "notgithub.com", "githubXcom", "", None):
        assert not _urls.host_matches(bad, "github.com")


def test_github_repo() -> None:
    assert _urls.github_repo("https://github.com/MyOrg/App.git") == ("github", "myorg/app")
    assert _urls.github_repo("git@github.com:o/r.git") == ("github", "o/r")
    assert _urls.github_repo("https://api.github.com/repos/o/r/pulls") == ("github", "o/r")
    assert _urls.github_repo("https://github.com/o/r/pull/3") == ("github", "o/r")
    assert _urls.github_repo("https://github.com/o") == ("github", None)
    assert _urls.github_repo("https://github.com/o/r/../../x/y") == ("github", None)
    assert _urls.github_repo("https://github.com/o/%72") == ("github", None)
    assert _urls.github_repo("https://api.github.com/user") == ("github", None)
    assert _urls.github_repo("https://github.com.evil.io/o/r") == ("other", None)
    assert _urls.github_repo("https://localhost/o/r") == ("other", None)
    assert _urls.github_repo("origin") is None
    assert _urls.looks_like_url("https://x.io/a") and _urls.looks_like_url("git@x.io:a/b")
    assert not _urls.looks_like_url("origin")
