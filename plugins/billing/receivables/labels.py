"""Receivables' labels: its audit actions, in both languages. ``LABELS`` joins billing's other labels in
``ordo_labels``."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

LABELS: Mapping[str, Mapping[str, Any]] = {
    "audit.action": {
        "ageing_buckets_set": _l("Ageing buckets set"),
    },
}
