"""Shared test fixtures."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def load_script():
    """Import ``tools/<name>.py`` or ``scripts/<name>.py`` as a module (neither folder is a package)."""
    def load(name: str):
        path = next(p for p in (ROOT / "tools" / f"{name}.py", ROOT / "scripts" / f"{name}.py") if p.is_file())
        spec = importlib.util.spec_from_file_location(f"script_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load


@pytest.fixture(scope="session")
def shipped():
    """The shipped daily-job configuration (``conf/config.yaml`` composed as ``scripts/score.py`` composes
    it), as the typed options the stages receive."""
    from job.config import DailyConfig
    from job.wiring import compose, options_from

    return options_from(compose("config"), DailyConfig)


@pytest.fixture(scope="session")
def detector(shipped):
    """The shipped detector (default static embedder, shipped index and scoring options), loaded once."""
    from job.wiring import open_detector

    return open_detector(shipped.embedder, index=shipped.index, scoring=shipped.scoring)
