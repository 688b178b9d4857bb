"""The report's text: the furthest rows in words, the legend, the terminal table and its width."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import musiceval
from musiceval._report_text import CONVENTIONS_LEGEND, RANKING_RULE, rank_rows
from musiceval.compare import COLUMNS, LEGEND
from musiceval.rolls import Conventions

C_MAJOR = (60, 62, 64, 65, 67, 69, 71)
OUT_OF_SCALE = (61, 63, 66, 68, 70)


def _melodies(pitches: list[list[int]], n_tracks: int = 2) -> np.ndarray:
    """One sample per list: every track plays its pitches as eighth notes, one after another."""
    rolls = np.zeros((len(pitches), 32, 128, n_tracks), bool)
    for sample, notes in enumerate(pitches):
        for step, pitch in enumerate(notes):
            rolls[sample, 2 * step : 2 * step + 2, pitch, :] = True
    return rolls


@pytest.fixture(scope="module")
def far_report() -> musiceval.Report:
    """Reference: C-major melodies, one out-of-scale note in every other sample. Generated: the
    reference's melodies without that note, but the bass plays a quarter of its notes out of
    the scale."""
    rng = np.random.default_rng(3)
    reference_notes = []
    for sample in range(12):
        notes = [int(p) for p in rng.choice(C_MAJOR, size=16)]
        if sample % 2:
            notes[5] = OUT_OF_SCALE[sample % 5]
        reference_notes.append(notes)
    reference = _melodies(reference_notes)
    generated = _melodies(reference_notes[::2])  # the samples all in the scale
    for sample in range(6):
        for step in range(0, 16, 4):  # 4 of 16 notes of the bass, out of the scale
            generated[sample, 2 * step : 2 * step + 2, :, 1] = False
            generated[sample, 2 * step : 2 * step + 2, OUT_OF_SCALE[step % 5], 1] = True
    profile = musiceval.profile(
        reference, ["n_notes", "in_scale_ratio"], track_names=["lead", "bass"]
    )
    return musiceval.compare(generated, profile)


def test_the_summary_names_the_far_metric_first_with_its_numbers(far_report) -> None:
    reference = far_report.profile.samples("in_scale_ratio")[:, 1]
    generated = far_report.samples("in_scale_ratio")[:, 1]
    # by hand: every other reference sample has 15 of 16 cells' notes in the scale
    np.testing.assert_allclose(np.sort(reference), [15 / 16] * 6 + [1.0] * 6)
    np.testing.assert_allclose(generated, 12 / 16)  # exactly 4 of 16 out in every sample
    mean, std = reference.mean(), reference.std()
    z = (0.75 - mean) / std
    assert (mean, std) == pytest.approx((31 / 32, 1 / 32))
    assert z == pytest.approx(-7.0)
    markdown = far_report.to_markdown()
    lines = markdown.splitlines()
    first = lines[lines.index("## Furthest from the reference") + 4]
    overlap = (
        far_report.to_frame()
        .set_index(["metric", "track"])
        .loc[("in_scale_ratio", "bass"), "overlap_area"]
    )
    assert first == (
        f"1. bass in_scale_ratio: generated 0.75 vs reference 0.969 ± 0.0312 (z = -7.00, "
        f"overlap {overlap:.3g}): far below"
    )
    assert overlap < 0.05
    assert RANKING_RULE.replace("|", "\\|") in lines
    text = far_report.to_text()
    assert "1. bass in_scale_ratio: generated 0.75 vs reference 0.969 ± 0.0312" in text


def test_rows_are_ranked_by_overlap_then_z_and_undefined_last() -> None:
    z = [0.5, -math.inf, 2.0, math.nan, 3.0, -3.0, 0.5, math.inf, 9.0]
    overlap = [0.9, 0.0, 0.0, 0.0, 0.5, 0.4, math.nan, 0.0, math.nan]
    # four disjoint rows (overlap 0) by |z|: the two infinite ones in row order, 2, a NaN z;
    # then overlap 0.4 and 0.5 (whatever their |z|), 0.9; undefined overlaps last, by |z|
    assert rank_rows(z, overlap) == [1, 7, 2, 3, 5, 4, 0, 8, 6]


def test_a_reference_without_spread_is_far_and_said_so() -> None:
    reference = _melodies([[60] * 16] * 6, n_tracks=1)  # n_notes 1 in every sample: std 0
    generated = _melodies([[60, 62] * 8] * 4, n_tracks=1)
    profile = musiceval.profile(reference, ["n_notes", "n_pitches_used"], track_names=["solo"])
    report = musiceval.compare(generated, profile)
    frame = report.to_frame()
    assert (frame["reference_std"] == 0).all() and np.isinf(frame["z_score"]).all()
    lines = report.to_markdown().splitlines()
    start = lines.index("## Furthest from the reference") + 4
    # both disjoint (overlap 0) and z = +inf: in row order
    first, second = lines[start : start + 2]
    assert first.startswith("1. solo n_notes: generated 16 vs reference 1 ± 0 (z = inf")
    assert first.endswith("): far above (the reference does not vary)")
    assert second.startswith("2. solo n_pitches_used: generated 2 vs reference 1 ± 0 (z = inf")


def test_every_column_and_convention_has_a_legend(far_report) -> None:
    assert list(LEGEND) == list(COLUMNS)
    assert all(len(text) > 10 for text in LEGEND.values())
    fields = [field.name for field in dataclasses.fields(Conventions)]
    assert sorted(CONVENTIONS_LEGEND) == sorted(fields)
    markdown = far_report.to_markdown()
    legend = markdown[markdown.index("## Legend") :]
    for column in COLUMNS:
        assert f"\n- {column}: " in legend
    conventions = far_report.profile.conventions
    assert list(conventions) == fields
    for name in fields:
        assert f"\n- {name}=" in legend
    assert "\n- key=0 (C): tonic of in_scale_ratio" in legend
    assert "\n- weight=cells: what the scale and entropy metrics count" in legend
    assert "\n- radii=(1, 1, 0.5): weights (r1, r2, r3) of tonal_distance" in legend
    assert "mgeval's intra-set/inter-set method" in legend
    full = far_report.to_text(full=True)
    assert all(f"  {column}: {LEGEND[column]}" in full for column in COLUMNS)
    lines = full.splitlines()
    first = lines.index("Conventions (docs/conventions.md):") + 1
    assert lines[first].startswith("  steps_per_bar=16: time steps per bar")
    assert lines[first:] == [line for line in lines[first:] if line.startswith("  ")]
    assert len(lines[first:]) == len(fields)


def test_the_html_page_has_the_summary_and_legend(far_report) -> None:
    page = far_report._html([])
    assert page.index("<h2>Furthest from the reference</h2>") < page.index("<table>")
    assert "<ol>\n<li>bass in_scale_ratio: generated 0.75 vs reference 0.969 ± 0.0312" in page
    assert page.index("<table>") < page.index("<h2>Legend</h2>")
    assert all(f"<li>{column}: " in page for column in COLUMNS)
    assert "<li>key=0 (C): " in page


def _widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


def test_the_terminal_text_fits_100_columns_on_the_chorales(chorales: np.ndarray) -> None:
    metrics = ["empty_bar_rate", "n_pitch_classes_used", "in_scale_ratio", "polyphonic_rate"]
    profile = musiceval.profile(chorales, metrics, track_names=["S", "A", "T", "B"])
    report = musiceval.compare(np.roll(chorales, 1, axis=2), profile)
    text = report.to_text()
    assert max(_widths(text)) <= 100
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("metric"))
    assert lines[header].split() == [
        "metric", "track", "reference", "mean", "±", "std", "generated", "mean", "z", "overlap"
    ]  # fmt: skip
    frame = report.to_frame()
    assert len(lines) - header - 1 == len(frame)
    row = lines[header + 1 + 8].split()  # in_scale_ratio, S
    expected = frame.iloc[8]
    assert row[:2] == ["in_scale_ratio", "S"]
    assert float(row[2]) == pytest.approx(expected["reference_mean"], rel=1e-3)
    assert float(row[4]) == pytest.approx(expected["reference_std"], rel=1e-3)
    assert float(row[5]) == pytest.approx(expected["generated_mean"], rel=1e-3)
    assert float(row[6]) == pytest.approx(expected["z_score"], rel=1e-3)
    full = report.to_text(full=True)
    assert max(_widths(full)) > 100 and " relative_kl_divergence " in full
    assert report.to_text(width=72).count("\n") > text.count("\n")
    assert max(_widths(report.to_text(width=72))) <= 72


def test_long_and_hostile_names_are_shortened_to_fit() -> None:
    names = ["a" * 90, "two\nlines\x1b[31m red", "<b>x</b>"]
    rolls = np.zeros((5, 16, 128, 3), bool)
    rolls[:, ::2, 60] = True
    rolls[1:, :, 64, ::2] = True
    profile = musiceval.profile(rolls, ["n_notes", "qualified_note_rate"], track_names=names)
    report = musiceval.compare(rolls[:3, :, ::-1], profile)
    text = report.to_text()
    assert max(_widths(text)) <= 100
    assert "\x1b" not in text and "two lines?[31m red" in text
    table = text[text.index("\nmetric") :]
    assert "a" * 20 + "…" in table and "a" * 90 not in table
    full = report.to_text(full=True)
    assert "a" * 90 in full and "\x1b" not in full
    with pytest.raises(musiceval.InvalidParameterError, match="width must be an int >= 60"):
        report.to_text(width=20)
    with pytest.raises(musiceval.InvalidParameterError, match="full must be True or False"):
        report.to_text(full="yes")
