"""Deterministic synthetic data: the demo council, and national-scale data for benchmarks."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DEMO_DISTRICTS = DATA_DIR / "demo_districts.csv"
