"""Targets per indicator and scorecards per department and person, with reward and penalty flags."""
