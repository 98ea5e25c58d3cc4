"""Shared fixtures for the engine, property and backend tests."""
from pathlib import Path

import pytest

import gmmexact

SEED_PATH = Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: larger comparisons (deselect with -m 'not slow')")


@pytest.fixture(scope="session")
def seed_problem():
    return gmmexact.load(SEED_PATH)


@pytest.fixture(scope="session")
def seed_run(seed_problem):
    return gmmexact.solve(seed_problem)
