"""The code version: from git in a checkout, from the build-time NBA_PROPS_CODE_VERSION in an image."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from resources import run_tags


@pytest.fixture
def no_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The code tree as in the image: no .git (and no git binary needed)."""
    monkeypatch.setattr(run_tags, "REPO_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # a git call would fail, not find this checkout
    run_tags.git_commit.cache_clear()
    yield
    run_tags.git_commit.cache_clear()


def test_image_reads_the_commit_baked_in_at_build_time(
    no_git: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_PROPS_CODE_VERSION", "0.1.0+0123456789ab")
    assert run_tags.git_commit() == "0123456789ab"
    assert run_tags.code_version() == f"{run_tags.package_version()}+0123456789ab"
    assert "commit:0123456789ab" in run_tags.identity_tags()


def test_image_without_a_baked_version_says_unknown(
    no_git: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBA_PROPS_CODE_VERSION", raising=False)
    assert run_tags.git_commit() == "unknown"


def test_checkout_reads_git_even_when_the_variable_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_PROPS_CODE_VERSION", "0.1.0+not-this-one")
    run_tags.git_commit.cache_clear()
    try:
        commit = run_tags.git_commit()
    finally:
        run_tags.git_commit.cache_clear()
    assert commit != "not-this-one"
    assert len(commit.removesuffix("-dirty")) == 12
