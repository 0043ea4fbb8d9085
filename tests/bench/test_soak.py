"""The soak's memory summary: a plateau and a climb must read differently."""
from __future__ import annotations

from bench.soak import growth


def test_growth_reports_each_quarter_so_a_plateau_reads_apart_from_a_leak():
    plateau = growth([100.0] * 4 + [300.0] * 12)
    assert plateau["quarters_mib"] == [100.0, 300.0, 300.0, 300.0]
    assert (plateau["start_mib"], plateau["end_mib"], plateau["max_mib"]) == (100.0, 300.0, 300.0)
    climb = growth([float(v) for v in range(100, 260, 10)])
    assert climb["quarters_mib"] == sorted(set(climb["quarters_mib"]))  # strictly rising
    assert growth([]) == {}
    assert growth([5.0])["quarters_mib"] == [5.0]
