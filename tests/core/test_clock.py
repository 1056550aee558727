"""The core's one clock, and setting it back: the services record what they do as of the moment it was set to."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.models import utcnow
from core.models.types import clock_set_back


def test_the_clock_set_back_reads_the_moment_set_and_runs_on_from_it():
    before = utcnow()
    moment = before - timedelta(days=40, hours=3)
    with clock_set_back() as set_to:
        assert abs(utcnow() - before) < timedelta(seconds=5)  # not set yet: the time
        set_to(moment)
        first, second = utcnow(), utcnow()
        assert timedelta(0) <= first - moment < timedelta(seconds=5) and second >= first
        set_to(None)
        assert abs(utcnow() - before) < timedelta(seconds=5)
        set_to(moment)
    assert abs(utcnow() - before) < timedelta(seconds=5)  # leaving the block: the time again
    assert utcnow().tzinfo is not None


def test_the_clock_is_never_set_ahead():
    before = utcnow()
    with clock_set_back() as set_to:
        with pytest.raises(ValueError, match="only set back"):
            set_to(before + timedelta(hours=1))
        assert abs(utcnow() - before) < timedelta(seconds=5)  # refused: the clock reads the time still
