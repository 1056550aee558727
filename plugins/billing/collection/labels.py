"""Collection's labels: channels, tones, promise statuses, follow-up kinds, hold sources and their audit
actions, in both languages. ``LABELS`` joins billing's other labels in ``ordo_labels``."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.billing.collection.models import DunningChannel, FollowUpKind, HoldSource, NoticeTone, PromiseStatus

LABELS: Mapping[str, Mapping[str, Any]] = {
    "dunning_channel": {
        DunningChannel.EMAIL: _l("Email"),
        DunningChannel.LETTER: _l("Letter (PDF by email)"),
        DunningChannel.CALL: _l("Call (a task for the salesperson)"),
    },
    "dunning_tone": {
        NoticeTone.REMINDER: _l("Friendly reminder"),
        NoticeTone.FORMAL: _l("Formal demand"),
        NoticeTone.FINAL: _l("Final notice"),
    },
    "status.payment_promise": {
        PromiseStatus.OPEN: _l("Open"),
        PromiseStatus.KEPT: _l("Kept"),
        PromiseStatus.BROKEN: _l("Broken"),
    },
    "follow_up": {
        FollowUpKind.CALLED: _l("Called"),
        FollowUpKind.EMAILED: _l("Emailed"),
        FollowUpKind.VISITED: _l("Visited"),
    },
    "credit_hold_source": {
        HoldSource.DUNNING: _l("Dunning level reached"),
        HoldSource.DECISION: _l("Decision"),
    },
    "rule": {"credit_hold": _l("Credit hold")},
    "reason": {"credit_hold": _l("the customer is on credit hold")},
    "audit.action": {
        "dunning_levels_set": _l("Dunning levels set"),
        "dunning_notice_sent": _l("Dunning notice sent"),
        "payment_promised": _l("Promise to pay recorded"),
        "payment_promise_kept": _l("Promise to pay kept"),
        "payment_promise_broken": _l("Promise to pay broken"),
        "follow_up_logged": _l("Follow-up logged"),
        "credit_hold_placed": _l("Credit hold placed"),
        "credit_hold_released": _l("Credit hold released"),
        "credit_hold_lifted": _l("Credit hold lifted: nothing overdue"),
    },
}
