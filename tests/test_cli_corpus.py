"""``musiceval profile`` of a MIDI corpus: quarantine, track maps, checkpoints, a dead scheduler."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from musiceval import io
from musiceval.cli import main
from musiceval.profiles import DatasetProfile


@pytest.fixture
def corpus(tmp_path: Path, chorales: np.ndarray) -> Path:
    """Six chorale files of 2-4 segments (4 tracks, 18 in all) in two folders, and a damaged
    file."""
    folder = tmp_path / "corpus"
    for index in range(6):
        sub = folder / ("a" if index % 2 else "b")
        sub.mkdir(parents=True, exist_ok=True)
        start = index % 4
        io.write_midi(sub / f"c{index}.mid", chorales[start : start + 2 + index % 3])
    (folder / "b" / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00")
    return folder


def test_a_folder_is_profiled_with_the_damaged_file_quarantined(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.json"
    assert main(["profile", str(corpus), "-o", str(out), "--metrics", "n_notes", "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (
        "profiled 18 samples x 4 tracks (0, 1, 2, 3) from 6 of 7 files for 1 metrics"
    )
    assert printed[2] == f"quarantine: {tmp_path / 'p.quarantine.json'} (1 files)"
    listing = json.loads((tmp_path / "p.quarantine.json").read_text())
    assert listing["n_files"] == 7 and listing["n_segments"] == 18
    [entry] = listing["quarantine"]
    assert entry["path"] == str(corpus / "b" / "broken.mid")
    assert "is not a readable MIDI file: a chunk runs past the end of the file" in entry["reason"]
    assert DatasetProfile.load(out).n_samples == 18
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "p.json", "p.quarantine.json"]


def test_tracks_from_a_preset_and_from_a_json_map(corpus: Path, tmp_path: Path) -> None:
    args = ["profile", str(corpus), "--metrics", "n_notes", "--quiet", "-o"]
    assert main([*args, str(tmp_path / "lpd5.json"), "--tracks", "lpd5"]) == 0
    assert DatasetProfile.load(tmp_path / "lpd5.json").tracks == (
        "Drums",
        "Piano",
        "Guitar",
        "Bass",
        "Strings",
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"Keys": list(range(8)), "Rest": "others"}))
    assert main([*args, str(tmp_path / "mine.json"), "--tracks", str(mapping)]) == 0
    mine = DatasetProfile.load(tmp_path / "mine.json")
    assert mine.tracks == ("Keys", "Rest") and mine.n_samples == 18
    # write_midi writes program 0 (piano): every voice is a Keys note, none is left for Rest
    assert mine.count("n_notes").tolist() == [18, 18] and mine.mean("n_notes")[1] == 0


def test_a_bad_track_map_is_a_usage_error(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "map.json"
    mapping.write_text("[1, 2]")
    with pytest.raises(SystemExit) as raised:
        main(["profile", str(corpus), "-o", str(tmp_path / "p.json"), "--tracks", str(mapping)])
    assert raised.value.code == 2
    assert "must hold a JSON object of track name to rule; got list" in capsys.readouterr().err
    assert main(["profile", str(corpus), "-o", str(tmp_path / "p.json"), "--tracks", "lpd6"]) == 1
    assert "tracks must be a preset name (one of ['lpd5', 'merged'])" in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()


def test_a_given_checkpoint_directory_is_kept_and_resumed(corpus: Path, tmp_path: Path) -> None:
    checkpoints = tmp_path / "shards"
    args = ["profile", str(corpus), "--metrics", "n_notes", "--quiet", "--shard-size", "2"]
    assert main([*args, "-o", str(tmp_path / "a.json"), "--checkpoint-dir", str(checkpoints)]) == 0
    shards = sorted(p.name for p in checkpoints.iterdir())
    assert shards == ["manifest.json", *[f"shard-{i:07d}.json" for i in range(4)]]
    (checkpoints / "shard-0000001.json").unlink()  # as if killed before it finished
    assert main([*args, "-o", str(tmp_path / "b.json"), "--checkpoint-dir", str(checkpoints)]) == 0
    assert DatasetProfile.load(tmp_path / "a.json") == DatasetProfile.load(tmp_path / "b.json")
    changed = ["profile", str(corpus), "--metrics", "n_notes,pitch_range", "--quiet"]
    code = main([*changed, "-o", str(tmp_path / "c.json"), "--checkpoint-dir", str(checkpoints)])
    assert code == 1 and not (tmp_path / "c.json").exists()


def test_a_scheduler_that_does_not_answer_writes_nothing(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    out = tmp_path / "p.json"
    code = main(["profile", str(corpus), "-o", str(out), "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 1
    assert (
        "no Dask scheduler answered at 'tcp://127.0.0.1:1' within 10 s" in capsys.readouterr().err
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_a_saved_track_map_is_read_back_by_tracks(corpus: Path, tmp_path: Path) -> None:
    from musiceval.track_maps import PRESETS

    mapping = tmp_path / "lpd5.json"
    mapping.write_text(json.dumps(PRESETS["lpd5"].to_json_dict()))
    out = tmp_path / "p.json"
    args = ["profile", str(corpus), "-o", str(out), "--metrics", "n_notes", "--quiet"]
    assert main([*args, "--tracks", str(mapping)]) == 0
    assert DatasetProfile.load(out).tracks == PRESETS["lpd5"].names


def test_array_options_are_refused_for_a_corpus(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.json"
    code = main(["profile", str(corpus), "-o", str(out), "--threshold", "0.5", "--layout", "TP"])
    assert code == 1 and not out.exists()
    assert "--layout, --threshold apply to .npy/.npz arrays" in capsys.readouterr().err
