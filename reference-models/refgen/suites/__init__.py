"""Registry of suites: name → function returning the suite's list of `CaseSpec`s.

Suites are discovered: every module `suites/<name>.py` with a `cases()` function
is the suite `<name>`, written to its own folder reference-models/<name>/ (which
the Rust golden test finds by itself). To add a suite, add its module; nothing
else lists it. `common` holds building blocks shared by suites.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from ..case import CaseSpec


def _discover() -> dict[str, Callable[[], list[CaseSpec]]]:
    suites = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases = getattr(module, "cases", None)
        if callable(cases):
            suites[info.name] = cases
    return suites


SUITES: dict[str, Callable[[], list[CaseSpec]]] = _discover()
