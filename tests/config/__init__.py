"""Tests of --config and reloading."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase


def directory(case: SynchronousTestCase) -> Path:
    """A directory of the test's own, removed after it (``mktemp`` leaves its own behind)."""
    path = Path(tempfile.mkdtemp())
    case.addCleanup(shutil.rmtree, path, True)
    return path
