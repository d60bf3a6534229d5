"""Rules about the files an article has and the characters in its YAML strings. The rules about bytes,
encoding and YAML syntax (NM1xx, NM2xx) run as the files are read, in ``pipeline/read/``."""

from __future__ import annotations

from newsmark.chars import CONTROL_RE, codepoint
from newsmark.findings import Finding, finding
from newsmark.pipeline.check.schema import show_path
from newsmark.pipeline.read.files import invisible_findings
from newsmark.pipeline.read.yamldoc import Document


def check_presence(article_id: str, listing) -> list[Finding]:
    """NM503 orphan annotation, NM504 missing annotation, NM506 text without metadata or the reverse."""
    has_text, has_meta = article_id in listing.texts, article_id in listing.metas
    findings = []
    if article_id in listing.annotations and not (has_text or has_meta):
        findings.append(
            finding(
                "NM503",
                f"annotations/{article_id}.yaml",
                f"no article '{article_id}' in corpus/; "
                "add corpus/<id>.txt and .yaml, or rename this file to the article's id",
            )
        )
    if has_text and not has_meta:
        findings.append(
            finding(
                "NM506",
                f"corpus/{article_id}.txt",
                f"add corpus/{article_id}.yaml with the article's metadata (newsmark new writes both)",
            )
        )
    if has_meta and not has_text:
        findings.append(
            finding("NM506", f"corpus/{article_id}.yaml", f"add corpus/{article_id}.txt with the article's text")
        )
    if (has_text or has_meta) and article_id not in listing.annotations:
        findings.append(
            finding(
                "NM504",
                f"corpus/{article_id}.yaml" if has_meta else f"corpus/{article_id}.txt",
                f"not annotated yet; add annotations/{article_id}.yaml",
            )
        )
    return findings


def check_strings(doc: Document) -> list[Finding]:
    """NM105 control character, NM111 bidirectional control, NM112 zero-width character, in any key or
    string value of a YAML file. Only files whose source holds an escape or such a character are walked."""
    if not doc.may_hide:
        return []
    findings: list[Finding] = []

    def visit(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                look(key, path + (key,), key=True)
                visit(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, path + (index,))
        elif isinstance(value, str):
            look(value, path)

    def look(value: str, path, key: bool = False):
        where = f"the key of {show_path(path)}" if key else show_path(path)
        at = doc.at(path, key=key)
        control = CONTROL_RE.search(value)
        if control:
            findings.append(
                finding(
                    "NM105", doc.path, f"{where} holds control character {codepoint(control.group())}; remove it", *at
                )
            )
        findings.extend(invisible_findings(value, doc.path, lambda _index: at, where))

    visit(doc.data, ())
    return findings
