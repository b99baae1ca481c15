"""The only place tests/clients touches syncsvc internals (modules are being moved into
sub-packages: update the import here and nothing else). Also where the inputs live."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from syncsvc.config import Settings  # the one import of syncsvc internals

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Settings)}
PAST_DAYS: int = _DEFAULTS["past_days"]  # the publishing horizon (service defaults)
FUTURE_MONTHS: int = _DEFAULTS["future_months"]
TIMEZONE: str = _DEFAULTS["timezone"]  # floating times are read in this zone

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"  # read in place, never copied into the repo
TEST_DATA = REPO / "tests" / "data"
