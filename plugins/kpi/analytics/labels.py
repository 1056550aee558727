"""Analytics' labels in both languages: the RFM segments by their codes (``rfm_segment``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.kpi.analytics.rfm import Segment

SEGMENT = "rfm_segment"

LABELS: Mapping[str, Mapping[str, Any]] = {
    SEGMENT: {
        Segment.IMPORTANT_VALUE: _l("Important value customers"),
        Segment.IMPORTANT_DEVELOPMENT: _l("Important customers to develop"),
        Segment.IMPORTANT_RETENTION: _l("Important customers to keep"),
        Segment.IMPORTANT_WIN_BACK: _l("Important customers to win back"),
        Segment.GENERAL_VALUE: _l("General value customers"),
        Segment.GENERAL_DEVELOPMENT: _l("General customers to develop"),
        Segment.GENERAL_RETENTION: _l("General customers to keep"),
        Segment.GENERAL_WIN_BACK: _l("General customers to win back"),
    },
}
