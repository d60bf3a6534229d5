"""``newsmark publish``: upload a built version to the Hugging Face Hub in one commit and tag it
``v<version>``, so that ``load_dataset(repo, revision="v<version>")`` gets exactly that release.

A public push is refused while any article's licence is unknown or does not allow redistribution (the
articles are named); ``--gated`` or ``--private`` are the ways to publish such a corpus. The token comes
from the user's Hugging Face login or ``HF_TOKEN``, never from a file in the repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from newsmark.errors import NewsmarkError
from newsmark.licenses import allows_redistribution, requires_attribution
from newsmark.release.dataset import require_build
from newsmark.settings import read_settings


def plan(
    root: str | Path, repo_id: str | None, dataset: str | Path, private: bool = False, gated: bool = False
) -> dict:
    """What would be uploaded and tagged, after every refusal rule: the repository, visibility, tag,
    commit message and files with their sizes."""
    root, dataset = Path(root), require_build(Path(dataset))
    settings = read_settings(root)
    repo_id = repo_id or settings.repo_id
    if not repo_id:
        raise NewsmarkError("no repository: pass --repo-id OWNER/NAME or set repo_id in [tool.newsmark]")
    if private and gated:
        raise NewsmarkError("--private and --gated: choose one (a private repository is already closed)")
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("version") != settings.version:
        raise NewsmarkError(
            f"{dataset} holds version {manifest.get('version')} but pyproject.toml says {settings.version}; rebuild it"
        )
    stale = stale_inputs(root, manifest.get("inputs", {}))
    if stale:
        more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
        raise NewsmarkError(
            f"{dataset} was built from other files than the corpus holds now ({', '.join(stale[:5])}"
            f"{more} changed or are gone); rebuild it before publishing"
        )
    changelog = root / "CHANGELOG.md"
    if changelog.is_file() and not any(
        line.startswith(f"## {settings.version}") for line in changelog.read_text(encoding="utf-8").splitlines()
    ):
        raise NewsmarkError(f"CHANGELOG.md has no entry for {settings.version}; add one before publishing")
    closed = {
        article: licence
        for article, licence in manifest.get("licenses", {}).items()
        if not allows_redistribution(licence)
    }
    if closed and not (private or gated):
        named = ", ".join(f"{article} ({licence})" for article, licence in list(closed.items())[:20])
        more = f" and {len(closed) - 20} more" if len(closed) > 20 else ""
        raise NewsmarkError(
            f"refusing a public push: {len(closed)} article text(s) have a licence that is unknown "
            f"or does not allow redistribution: {named}{more}. Publish with --gated (users "
            "must accept conditions) or --private, or settle the licences first"
        )
    uncredited = [
        article
        for article, licence in manifest.get("licenses", {}).items()
        if requires_attribution(licence) and not manifest.get("credits", {}).get(article)
    ]
    if uncredited and not private:
        more = f" and {len(uncredited) - 20} more" if len(uncredited) > 20 else ""
        raise NewsmarkError(
            f"refusing a {'gated' if gated else 'public'} push: {len(uncredited)} article text(s) have a "
            "licence that asks for credit, but their metadata names none (source.authors): "
            f"{', '.join(uncredited[:20])}{more}. Add the credit the source gives (newsmark import "
            "--author) and rebuild"
        )
    files = sorted(
        (path.relative_to(dataset).as_posix(), path.stat().st_size) for path in dataset.rglob("*") if path.is_file()
    )
    return {
        "repo_id": repo_id,
        "visibility": "private" if private else "gated" if gated else "public",
        "tag": f"v{settings.version}",
        "commit_message": f"newsmark {settings.version}",
        "dataset": str(dataset),
        "files": files,
        "restricted_licences": len(closed),
    }


def stale_inputs(root: Path, inputs: dict[str, str]) -> list[str]:
    """The input files a build's manifest lists whose bytes the corpus no longer has (changed, gone, or now
    a link), so that a release is always of the corpus as it is."""
    import hashlib

    from newsmark.pipeline.read.files import read_bytes

    stale = []
    for rel, digest in sorted(inputs.items()):
        raw, _ = read_bytes(root / rel, rel) if os.path.lexists(root / rel) else (None, [])
        if raw is None or hashlib.sha256(raw).hexdigest() != digest:
            stale.append(rel)
    return stale


def token() -> str:
    """The user's Hugging Face token: HF_TOKEN, or the one `hf auth login` stored."""
    from huggingface_hub import get_token

    value = os.environ.get("HF_TOKEN") or get_token()
    if not value:
        raise NewsmarkError("no Hugging Face token: log in with `hf auth login` or set HF_TOKEN")
    return value


def upload(steps: dict) -> str:
    """Create (or reuse) the repository, upload the folder in one commit, and tag that commit."""
    from huggingface_hub import HfApi

    api = HfApi(token=token())
    repo_id = steps["repo_id"]
    api.create_repo(repo_id, repo_type="dataset", private=steps["visibility"] == "private", exist_ok=True)
    if steps["visibility"] == "gated":
        api.update_repo_settings(repo_id, repo_type="dataset", gated="auto")
    # Shards and label tables of the previous version that this one lacks go in the same commit; a stale
    # shard would otherwise match the card's data_files globs and mix two versions.
    commit = api.upload_folder(
        repo_id=repo_id,
        repo_type="dataset",
        folder_path=steps["dataset"],
        commit_message=steps["commit_message"],
        delete_patterns=["data/**", "labels/**"],
    )
    api.create_tag(
        repo_id, repo_type="dataset", tag=steps["tag"], revision=commit.oid, tag_message=steps["commit_message"]
    )
    return commit.commit_url
