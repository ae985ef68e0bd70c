"""`voicecoach analyze`: the CSV and JSON contracts and one-line errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import soundfile as sf

from voicecoach import analyze_file
from voicecoach.cli import main

from .conftest import SR, vowelish

#: The CSV's columns after channel and t_s, as Features fields.
CSV_TRACKS = ("f0_hz", "voiced", "speech", "loudness_db", "syllable_rate", "articulation_rate",
              "f0_settled_hz")


def _stereo(tmp_path, rng):
    x = vowelish(2.0, 150.0, rng)
    p = tmp_path / "call.wav"
    sf.write(p, np.stack([x, 0.3 * x], 1), SR, subtype="FLOAT")
    return p


def test_csv_has_exactly_the_contract_columns(tmp_path, rng) -> None:
    p = _stereo(tmp_path, rng)
    out = tmp_path / "t.csv"
    assert main(["analyze", str(p), "--out", str(out)]) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == [
        "channel",
        "t_s",
        "f0_hz",
        "voiced",
        "speech",
        "loudness_db",
        "syllable_rate",
        "articulation_rate",
        "f0_settled_hz",
    ]
    body = rows[1:]
    assert len(body) == 2 * 200
    assert {r[0] for r in body} == {"0", "1"}
    ref = analyze_file(p)
    ch0 = [r for r in body if r[0] == "0"]
    for r, f0, v in zip(ch0, ref[0].f0_hz, ref[0].voiced, strict=True):
        assert r[3] in ("0", "1") and r[4] in ("0", "1")
        assert (r[2] == "") == (not v)
        if v:
            assert abs(float(r[2]) - f0) < 1e-3 * f0
    assert any(r[2] == "" for r in ch0) and any(r[2] != "" for r in ch0)
    # every column of each channel holds that channel's track (channel 1 is 10 dB quieter)
    for ch, feat in enumerate(ref):
        rows_ch = [r for r in body if r[0] == str(ch)]
        assert [r[1] for r in rows_ch] == [f"{t:.2f}" for t in feat.t_s]
        for col, name in enumerate(CSV_TRACKS, start=2):
            want = getattr(feat, name).astype(float)
            got = np.array([float(r[col]) if r[col] else np.nan for r in rows_ch])
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)
    assert np.nanmean(ref[0].loudness_db - ref[1].loudness_db) > 5.0


def test_json_contract(tmp_path, rng) -> None:
    p = _stereo(tmp_path, rng)
    out = tmp_path / "t.json"
    assert main(["analyze", str(p), "--channel", "1", "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["hop_s"] == 0.01
    (ch,) = doc["channels"]
    assert ch["channel"] == 1
    assert set(ch) == {
        "channel",
        "harmonic_check",
        "t_s",
        "f0_hz",
        "voiced",
        "speech",
        "loudness_db",
        "syllable_rate",
        "articulation_rate",
        "f0_settled_hz",
    }
    assert len(ch["t_s"]) == 200
    assert None in ch["f0_hz"] and set(ch["voiced"]) <= {0, 1}
    # channel 1's tracks, not channel 0's under its number (channel 1 is 10 dB quieter)
    (ref,) = analyze_file(p, 1)
    got = np.array([np.nan if v is None else v for v in ch["loudness_db"]], float)
    np.testing.assert_allclose(got, ref.loudness_db, rtol=1e-6, atol=1e-6)
    assert ch["harmonic_check"] is False  # a 16 kHz file of wideband noise and tones


def test_a_telephone_channel_is_named(tmp_path, capsys) -> None:
    """A 16 kHz file whose channel is telephone band: its pitch runs the harmonic check, and
    the summary line and the JSON say so."""
    import soxr

    from voicecoach.sources.synthetic import synth_speech

    x, _ = synth_speech(duration_s=4.0, f0_hz=110.0, snr_db=40.0, seed=1)
    tel = soxr.resample(soxr.resample(x, 16000, 8000), 8000, 16000)
    sf.write(tmp_path / "c.wav", np.stack([x, tel], axis=1), 16000)
    out = tmp_path / "t.json"
    assert main(["analyze", str(tmp_path / "c.wav"), "--format", "json", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith(
        "4.0 s; pitch of channel 1 with the harmonic check (telephone audio))")
    assert [c["harmonic_check"] for c in json.loads(out.read_text())["channels"]] == [
        False, True]
    # an 8 kHz stereo file: both channels ("channel 0, 1" before)
    sf.write(tmp_path / "t8.wav", np.stack([tel[::2], tel[::2]], axis=1), 8000)
    assert main(["analyze", str(tmp_path / "t8.wav"), "--out", str(tmp_path / "t8.csv")]) == 0
    assert capsys.readouterr().out.strip().endswith(
        "pitch of channels 0 and 1 with the harmonic check (telephone audio))")


def test_errors_are_one_line_with_exit_2(tmp_path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "voicecoach", "analyze", str(tmp_path / "missing.wav")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"Error: audio file {str(tmp_path / 'missing.wav')!r} does not exist; check the path"
    ]
    assert "Traceback" not in r.stderr


def test_out_naming_the_input_is_refused_and_the_recording_kept(tmp_path, rng, capsys) -> None:
    p = _stereo(tmp_path, rng)
    before = p.read_bytes()
    assert main(["analyze", str(p), "--out", str(tmp_path / "." / p.name)]) == 2
    assert "is the audio file being analysed" in capsys.readouterr().err
    assert p.read_bytes() == before


def test_calibrate_all_channels_of_a_stereo_file_is_one_line(tmp_path, rng, capsys) -> None:
    p = _stereo(tmp_path, rng)
    code = main(["calibrate", "--profile", "x", "--profiles-dir", str(tmp_path / "pr"),
                 "--input", str(p), "--channel", "all"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "one channel, the one that holds the speaker, is needed" in err
    assert "Traceback" not in err


def _nan_at_6_s(tmp_path):
    x = np.zeros(8 * SR, np.float32)
    x[6 * SR] = np.nan
    p = tmp_path / "nan.wav"
    sf.write(p, x, SR, subtype="FLOAT")
    return p


def test_a_failed_analysis_leaves_no_half_table(tmp_path, capsys) -> None:
    p = _nan_at_6_s(tmp_path)
    out = tmp_path / "t.csv"
    assert main(["analyze", str(p), "--out", str(out)]) == 2
    assert "(6.00 s)" in capsys.readouterr().err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["nan.wav"]  # no temporary either


def test_a_failed_analysis_keeps_the_file_it_would_have_replaced(tmp_path, capsys) -> None:
    p = _nan_at_6_s(tmp_path)
    out = tmp_path / "t.csv"
    out.write_text("an earlier table\n")
    assert main(["analyze", str(p), "--out", str(out)]) == 2
    assert "(6.00 s)" in capsys.readouterr().err
    assert out.read_text() == "an earlier table\n"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["nan.wav", "t.csv"]  # no temporary


def test_analysis_replaces_an_earlier_table_once_whole(tmp_path, rng) -> None:
    x = (0.1 * rng.standard_normal(2 * SR)).astype(np.float32)
    p = tmp_path / "n.wav"
    sf.write(p, x, SR, subtype="FLOAT")
    out = tmp_path / "t.csv"
    out.write_text("an earlier table\n")
    assert main(["analyze", str(p), "--out", str(out)]) == 0
    assert out.read_text().startswith("channel,t_s,")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["n.wav", "t.csv"]


def test_analysis_out_through_a_symbolic_link_replaces_its_target(tmp_path, rng) -> None:
    x = (0.1 * rng.standard_normal(2 * SR)).astype(np.float32)
    p = tmp_path / "n.wav"
    sf.write(p, x, SR, subtype="FLOAT")
    target = tmp_path / "tables" / "t.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    assert main(["analyze", str(p), "--out", str(link)]) == 0
    assert link.is_symlink() and target.read_text().startswith("channel,t_s,")


def test_analysis_out_naming_a_folder_is_one_clear_error(tmp_path, rng, capsys) -> None:
    x = (0.1 * rng.standard_normal(SR)).astype(np.float32)
    p = tmp_path / "n.wav"
    sf.write(p, x, SR, subtype="FLOAT")
    assert main(["analyze", str(p), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"--out '{tmp_path}' is a folder; give a file name for the table" in err, err
    assert sorted(q.name for q in tmp_path.iterdir()) == ["n.wav"]  # nothing left behind


def test_a_refused_file_writes_no_header_before_its_error(tmp_path, capsys) -> None:
    """The analysis' own refusals (rate, length, NaN at the start) come before any output:
    standard output used to get the CSV header, then the error."""
    for name, x, sr, msg in (
        ("r7k.wav", np.zeros(7000, np.float32), 7000, "sample rate 7000 Hz is out of range"),
        ("short.wav", np.zeros(50, np.float32), SR, "holds 3 ms of audio"),
    ):
        sf.write(tmp_path / name, x, sr)
        assert main(["analyze", str(tmp_path / name)]) == 2
        out, err = capsys.readouterr()
        assert out == "" and msg in err, (out, err)
