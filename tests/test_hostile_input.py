"""Issue 17: bad input and resources get one line and exit 2 (exit 1 for a full or read-only
disk) before anything is written; valid edge values run."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import time

import pytest
import sweep_helpers as h

from sim import cli
import sim.scenario.rundir as rundir
import sim.sweep.storage as storage
import sim.sweep.summarize as summarize_mod
from sim.policies.params import POLICY_CLASSES
from sim.scenario.schema import SECTIONS
from sim.scenario.validate import field_kind
from sim.sweep.storage import read_runs

EXP_HEAD = '[experiment]\nname = "x"\nseed = 1\nreplications = 1\nweeks = 8\n'


@pytest.fixture(autouse=True)
def model(monkeypatch):
    h.use_fake_model(monkeypatch)


def one_line(capsys, argv, code=2) -> str:
    got = cli.main(argv)
    out, err = capsys.readouterr()
    assert got == code, (got, out, err)
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("salesim: error: ")
    return err


def nothing_written(folder, *names):
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


# ---------------------------------------------------------------- upper bounds

def test_every_numeric_parameter_declares_both_bounds():
    missing = [f"{sec}.{f.name}" for group in (SECTIONS, POLICY_CLASSES)
               for sec, cls in group.items() for f in dataclasses.fields(cls)
               if field_kind(f) in ("int", "float")
               and (f.metadata.get("lo") is None or f.metadata.get("hi") is None)]
    assert missing == []


def test_the_reference_states_every_upper_bound():
    ref = (h.ROOT / "docs" / "scenario-reference.md").read_text()
    for group in (SECTIONS, POLICY_CLASSES):
        for sec, cls in group.items():
            for f in dataclasses.fields(cls):
                if field_kind(f) in ("int", "float"):
                    row = next(line for line in ref.splitlines()
                               if line.startswith(f"| `{f.name}` |"))
                    assert " to " in row or "at most" in row, row
    assert "2,000,000 accounts" in ref and "20,000,000 rep-weeks" in ref


HUGE = [
    ("weeks-1e8", ["--set", "run.weeks=100000000"], "run.weeks = 100000000: out of range"),
    ("potential-1e300", ["--set", "accounts.potential_median=1e300"],
     "accounts.potential_median = 1e+300: out of range"),
    ("accounts-too-many", ["--set", "org.n_reps=100000", "--set", "accounts.per_rep=10000"],
     "accounts; at most 2,000,000 fit in one run"),
    ("rep-weeks-too-many", ["--set", "org.n_reps=50000", "--set", "accounts.per_rep=1",
                            "--set", "run.weeks=5000"], "rep-weeks; at most 20,000,000"),
    ("weekly-item-huge", ["--set", "season.calendar=custom", "--set",
                          "season.weekly=[" + ", ".join(["1e300"] * 52) + "]"],
     "season.weekly[0] = 1e+300: out of range"),
    ("weeks-flag-huge", ["--weeks", "100000000"], "run.weeks = 100000000: out of range"),
    ("weeks-flag-zero", ["--weeks", "0"], "run.weeks = 0: out of range"),
    ("seed-flag-negative", ["--seed", "-3"], "run.seed = -3: out of range"),
    ("seed-flag-huge", ["--seed", str(2**64)], "out of range"),
    ("weeks-flag-and-set", ["--weeks", "5", "--set", "run.weeks=6"], "give it once"),
    ("duplicate-set", ["--set", "org.n_reps=5", "--set", "org.n_reps=6"],
     "--set org.n_reps=6: org.n_reps is already set by --set org.n_reps=5"),
]


@pytest.mark.parametrize("args,expected", [c[1:] for c in HUGE], ids=[c[0] for c in HUGE])
def test_run_refuses_values_beyond_the_bounds(tmp_path, monkeypatch, capsys, args, expected):
    monkeypatch.chdir(tmp_path)
    err = one_line(capsys, ["run", *args, "--out", "o"])
    assert expected in err, err
    nothing_written(tmp_path)


EXP_BOUNDS = [
    ("replications-huge", "replications = 1", "replications = 1000000000",
     "experiment.replications = 1000000000: expected a whole number from 1 to 100,000"),
    ("experiment-weeks-huge", "weeks = 8", "weeks = 100000000",
     "experiment.weeks = 100000000: expected a whole number from 1 to 5,200"),
    ("seed-huge", "seed = 1", "seed = 99999999999999999999",
     "experiment.seed = 99999999999999999999: expected a whole number from 0 to"),
    ("digits-5000", "seed = 1", "seed = " + "9" * 5000, "invalid TOML"),
    ("design-too-big", "weeks = 8", "weeks = 8\nmax_runs = 10\n[factors]\n"
     + '"comp.commission_rate" = [' + ", ".join(str(v / 1001) for v in range(1, 1002)) + "]\n"
     + '"accounts.churn_base" = [' + ", ".join(str(v / 1000) for v in range(1, 1001)) + "]",
     "more than the 1,000,000 runs one sweep can hold"),
]


@pytest.mark.parametrize("old,new,expected", [c[1:] for c in EXP_BOUNDS],
                         ids=[c[0] for c in EXP_BOUNDS])
def test_experiment_bounds_refused_by_validate_and_sweep(tmp_path, capsys, old, new, expected):
    path = tmp_path / "e.toml"
    path.write_text(EXP_HEAD.replace(old, new, 1))
    for argv in (["validate", str(path)], ["sweep", str(path), "--out", str(tmp_path / "o"),
                                           "--yes", "--quiet"]):
        assert expected in one_line(capsys, argv)
    nothing_written(tmp_path, "e.toml")


def test_dry_run_sizes_a_huge_design_at_once(tmp_path, capsys):
    levels = ", ".join(str(v / 1000) for v in range(1, 1001))
    path = tmp_path / "e.toml"
    path.write_text(EXP_HEAD + f'[factors]\n"comp.commission_rate" = [{levels}]\n'
                    f'"accounts.churn_base" = [{levels}]\n')
    t0 = time.monotonic()
    assert cli.main(["sweep", str(path), "--dry-run", "--out", str(tmp_path / "o")]) == 0
    assert time.monotonic() - t0 < 5
    out = capsys.readouterr().out
    assert "1000000 factor points" in out and "= 1000000 runs" in out and "--yes" in out
    nothing_written(tmp_path, "e.toml")


# ---------------------------------------------------------------- edge values that must run

@pytest.mark.parametrize("setting", ["comp.commission_rate=0", "policies.concessions.max_rate=0",
                                     "comp.cap=0", "accounts.per_rep=0"])
def test_valid_edge_values_run_the_real_model(tmp_path, capsys, setting):
    out = tmp_path / "o"
    assert cli.main(["run", "--weeks", "30", "--set", "org.n_reps=10", "--set", setting,
                     "--out", str(out)]) == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weeks"] == 30 or summary.get("seed") is not None


# ---------------------------------------------------------------- resources and arguments

def test_workers_zero_or_negative_is_refused_before_writing(tmp_path, capsys):
    path = h.write_experiment(tmp_path, reps=1)
    for n in ("0", "-2"):
        assert "--workers" in one_line(capsys, ["sweep", str(path), "--out",
                                                str(tmp_path / "o"), "--workers", n])
    nothing_written(tmp_path, "tiny.toml")


def test_workers_above_the_cores_are_clamped_with_a_warning(tmp_path, capsys):
    path = h.write_experiment(tmp_path, reps=1)
    assert h.sweep(path, "--out", tmp_path / "o", "--workers", "100000") == 0
    err = capsys.readouterr().err
    assert "warning: --workers 100000 is more than the" in err
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["sessions"][0]["executor"]["workers"] <= (os.process_cpu_count() or 1)


@pytest.mark.parametrize("address,expected", [
    ("tcp://127.0.0.1:1", "cannot reach the scheduler"),
    ("tcp://127.0.0.1", "expected tcp://HOST:PORT"),
    ("ftp://host:80", "expected tcp://HOST:PORT"),
])
def test_unreachable_scheduler_fails_fast_before_writing(tmp_path, capsys, address, expected):
    path = h.write_experiment(tmp_path, reps=1)
    t0 = time.monotonic()
    err = one_line(capsys, ["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler",
                            address])
    assert expected in err and time.monotonic() - t0 < 10
    nothing_written(tmp_path, "tiny.toml")


@pytest.mark.parametrize("argv", [["run", "--bogus"], ["sweep"], ["sweep", "e.toml",
                                  "--workers", "many"], ["frobnicate"], ["run", "--seed", "x"]])
def test_argument_errors_are_one_line_pointing_to_help(capsys, argv):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "usage:" not in err and "--help" in err, err


def test_echoes_escape_control_characters_and_stay_short(tmp_path, capsys):
    key = "org.n_r\x1b[31mps"
    err = one_line(capsys, ["run", "--set", f"{key}=3", "--out", str(tmp_path / "o")])
    assert "\x1b" not in err and "\\x1b" in err
    err = one_line(capsys, ["run", "--set", "org.n_reps=" + "9" * 5000])
    assert len(err) <= 300, err
    path = tmp_path / "e.toml"
    path.write_text(EXP_HEAD + '[set]\n"org.\\u0007n_reps\\n" = 3\n')
    err = one_line(capsys, ["validate", str(path)])
    assert "\x07" not in err and "\\x07" in err


# ---------------------------------------------------------------- hostile files

def test_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    assert "is a named pipe (FIFO), not a TOML file" in one_line(capsys, ["validate", str(fifo)])
    assert "named pipe" in one_line(capsys, ["sweep", str(fifo), "--out", str(tmp_path / "o")])


def test_device_is_refused(capsys):
    assert "is a device, not a TOML file" in one_line(capsys, ["validate", "/dev/zero"])
    assert "is a device" in one_line(capsys, ["run", "/dev/null"])


def test_huge_file_is_refused_without_reading_it(tmp_path, capsys):
    big = tmp_path / "s.toml"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024**3)  # sparse: 50 GB that take no space
    assert "at most 1,000,000 bytes" in one_line(capsys, ["validate", str(big)])


@pytest.mark.parametrize("text", ["a = " + "[" * 5000 + "]" * 5000 + "\n",
                                  "x = " + "{ y = " * 400 + "1" + " }" * 400 + "\n",
                                  "[run]\nweeks = 52\nz = " + "[" * 40 + "]" * 40 + "\n"])
def test_deep_nesting_gets_one_line(tmp_path, capsys, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    err = one_line(capsys, ["validate", str(path)])
    assert "nested more than 16 deep" in err or "invalid TOML" in err


def test_utf8_byte_order_mark_is_accepted(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf[org]\nn_reps = 12\n")
    assert cli.main(["validate", str(path)]) == 0
    exp = tmp_path / "e.toml"
    exp.write_bytes(b"\xef\xbb\xbf" + EXP_HEAD.encode())
    assert cli.main(["validate", str(exp)]) == 0


# ---------------------------------------------------------------- disk full, read-only

def full_disk(*_a, **_k):
    raise OSError(errno.ENOSPC, "No space left on device", "/mnt/full/part.parquet")


def read_only(*_a, **_k):
    raise OSError(errno.EROFS, "Read-only file system", "/mnt/ro/summary.csv")


def test_run_on_a_full_disk_is_one_line_exit_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(rundir, "write_text_atomic", full_disk)
    err = one_line(capsys, ["run", "--weeks", "4", "--set", "org.n_reps=6", "--out",
                            str(tmp_path / "o")], code=1)
    assert "/mnt/full/part.parquet: no space left on device" in err


def test_sweep_on_a_full_disk_keeps_what_it_wrote_valid(tmp_path, monkeypatch, capsys):
    path = h.write_experiment(tmp_path, reps=2)
    out = tmp_path / "o"
    real, calls = storage.write_parquet, []

    def fills_up(df, target, meta=None):
        calls.append(target)
        if len(calls) > 7:  # the design, two whole parts, then the disk is full
            full_disk()
        return real(df, target, meta)

    monkeypatch.setattr(storage, "write_parquet", fills_up)
    err = one_line(capsys, ["sweep", str(path), "--out", str(out), "--workers", "1",
                            "--quiet"], code=1)
    assert "no space left on device" in err
    done = read_runs(out)
    assert len(done) == 8 and (done["status"] == "ok").all()
    json.loads((out / "manifest.json").read_text())  # still whole
    monkeypatch.setattr(storage, "write_parquet", real)
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    assert len(read_runs(out)) == 16


def test_summarize_and_report_on_read_only_media(tmp_path, monkeypatch, capsys):
    path = h.write_experiment(tmp_path, reps=1)
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    capsys.readouterr()
    monkeypatch.setattr(summarize_mod, "write_text_atomic", read_only)
    assert "read-only file system" in one_line(capsys, ["summarize", str(out)], code=1)
    import sim.report.html as html
    monkeypatch.setattr(html, "write_text_atomic", read_only)
    assert "read-only file system" in one_line(capsys, ["report", str(out)], code=1)
    assert not (out / "summary.csv").exists() and not (out / "report.html").exists()
