"""bench.sales in its short form: a small shop's orders generated, every timed page asked
once and answering, nothing timed."""

from __future__ import annotations

import pytest

from bench import sales

pytestmark = pytest.mark.usefixtures("quick_passwords")


def test_the_sales_benchmark_runs_in_its_short_form(capsys):
    assert sales.main(["--orders", "300", "--no-timing"]) == 0
    out = capsys.readouterr().out
    assert "300 orders" in out and "median" not in out
