"""The indicators page's query: a period and a breakdown, sent as GET parameters (a bookmarkable link)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from plugins.kpi.dashboard.forms import PeriodForm
from plugins.kpi.indicators.presentation import DIMENSION_LABELS
from plugins.kpi.indicators.services import Dimension


class IndicatorsForm(PeriodForm):
    by = SelectField(_l("Broken down by"), default=Dimension.COMPANY.value)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by.choices = [(dimension.value, label) for dimension, label in DIMENSION_LABELS.items()]
