"""Bad input through the real command line: exit code 2 and exactly one plain line on stderr.

Each case writes scenario files into a temporary folder, runs ``sim.cli.main`` from there and
checks the whole message: it names the file, the key, the bad value and what is allowed.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import cli
from sim.scenario.loading import apply_sets, validate_dict
from sim.common.errors import ConfigError
from sim.scenario.schema import scenario_from_dict
from sim.scenario.validate import all_paths

WEEKLY_OK = ", ".join(["1"] * 52)
MONTHLY_OK = "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]"
TACTICS = ("'quiet_quitting', 'peak_underperformance', 'withholding', 'cherry_picking', "
           "'false_urgency'")
SECTIONS = ("run, season, org, managers, accounts, reps, comp, pipeline, behaviour, tactics, leverage, attrition, "
            "policies")
POLICIES = ("rotation, team_bonus, coaching, monitoring, independence, concessions, favouritism, "
            "playbook, hiring, manager")

# (case id, {file name: content}, expected message after "salesim: error: ")
# The file run is always s.toml.
CASES = [
    ("toml-syntax", {"s.toml": "[org]\nn_reps = 12\nspan = = 3\n"},
     "s.toml:3:8: invalid TOML: invalid value (text must be in quotes, e.g. calendar = \"flat\")"),
    ("toml-unquoted-text", {"s.toml": "[comp]\nquota_period = month\n"},
     "s.toml:2:16: invalid TOML: invalid value (text must be in quotes, e.g. calendar = \"flat\")"),
    ("toml-unterminated", {"s.toml": '[run]\nweeks = 52\nname = "abc'},
     "s.toml:3:12: invalid TOML: unterminated string"),
    ("toml-duplicate-table", {"s.toml": "[org]\nspan = 3\n[org]\nspan = 4\n"},
     "s.toml:3:5: invalid TOML: cannot declare org twice"),
    ("unknown-key", {"s.toml": "[org]\nn_rep = 12\n"},
     "s.toml: org.n_rep = 12: unknown setting in [org] (did you mean 'org.n_reps'?)"),
    ("key-in-wrong-section", {"s.toml": "[org]\ncommission_rate = 0.1\n"},
     "s.toml: org.commission_rate = 0.1: unknown setting in [org] "
     "(did you mean 'comp.commission_rate'?)"),
    ("unknown-section", {"s.toml": "[orgs]\nspan = 3\n"},
     f"s.toml: [orgs]: unknown section (did you mean [org]?); sections: {SECTIONS}"),
    ("unknown-top-level-key", {"s.toml": "seed = 3\n"},
     "s.toml: seed = 3: unknown setting at the top level (did you mean 'run.seed'?)"),
    ("text-for-number", {"s.toml": '[comp]\ncommission_rate = "8%"\n'},
     "s.toml: comp.commission_rate = '8%': expected a number from 0 to 1"),
    ("decimal-for-integer", {"s.toml": "[org]\nn_reps = 12.0\n"},
     "s.toml: org.n_reps = 12.0: expected an integer, without a decimal point (write 12); "
     "allowed: a whole number from 1 to 100000"),
    ("fraction-for-integer", {"s.toml": "[run]\nweeks = 52.5\n"},
     "s.toml: run.weeks = 52.5: expected an integer, without a decimal point; "
     "allowed: a whole number from 1 to 5200"),
    ("bool-for-integer", {"s.toml": "[run]\nweeks = true\n"},
     "s.toml: run.weeks = true: expected a whole number from 1 to 5200"),
    ("bool-for-number", {"s.toml": "[org]\nmanager_hours = false\n"},
     "s.toml: org.manager_hours = false: expected a number from 1 to 100"),
    ("list-for-scalar", {"s.toml": "[org]\nspan = [8]\n"},
     "s.toml: org.span = [8]: expected a whole number from 1 to 100"),
    ("table-for-scalar", {"s.toml": "[org]\nspan = {reps = 8}\n"},
     "s.toml: org.span = {reps = 8}: expected a whole number from 1 to 100"),
    ("number-for-bool", {"s.toml": "[policies.rotation]\navoid_peak = 1\n"},
     "s.toml: policies.rotation.avoid_peak = 1: expected true or false"),
    ("text-for-list", {"s.toml": '[tactics]\nenabled = "withholding"\n'},
     f"s.toml: tactics.enabled = 'withholding': expected a list of tactic names from {TACTICS}"),
    ("negative-count", {"s.toml": "[org]\nn_reps = -5\n"},
     "s.toml: org.n_reps = -5: out of range; allowed: a whole number from 1 to 100000"),
    ("zero-weeks", {"s.toml": "[run]\nweeks = 0\n"},
     "s.toml: run.weeks = 0: out of range; allowed: a whole number from 1 to 5200"),
    ("probability-above-one", {"s.toml": "[policies.concessions]\nprecedent_weight = 1.5\n"},
     "s.toml: policies.concessions.precedent_weight = 1.5: out of range; "
     "allowed: a number from 0 to 1"),
    ("monthly-sum", {"s.toml": "[season]\ncalendar = \"custom\"\nmonthly = [0.1, 0.1, 0.1, "
                     "0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]\n"},
     "s.toml: season.monthly = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]: "
     "the 12 monthly shares must add up to 1; these add up to 1.2"),
    ("monthly-length", {"s.toml": "[season]\nmonthly = [0.5, 0.5]\n"},
     "s.toml: season.monthly = [0.5, 0.5]: has 2 items; expected an empty list [] or 12 "
     "monthly shares of the year adding up to 1"),
    ("monthly-negative", {"s.toml": "[season]\nmonthly = [0.3, -0.1, 0.1, 0.1, 0.1, 0.1, "
                          "0.1, 0.1, 0.05, 0.05, 0.05, 0.05]\n"},
     "s.toml: season.monthly[1] = -0.1: a monthly share must be 0 or more"),
    ("weekly-zero", {"s.toml": f"[season]\nweekly = [0, {WEEKLY_OK[3:]}]\n"},
     "s.toml: season.weekly[0] = 0.0: a weekly multiplier must be above 0"),
    ("weekly-length", {"s.toml": "[season]\nweekly = [1, 2, 3]\n"},
     "s.toml: season.weekly = [1, 2, 3]: has 3 items; expected an empty list [] or 52 weekly "
     "demand multipliers, each above 0"),
    ("quota-zero", {"s.toml": "[comp]\nquota_annual = 0\n"},
     "s.toml: comp.quota_annual = 0: out of range; allowed: a number above 0 and at most "
     "1000000000000"),
    ("extends-missing", {"s.toml": 'extends = "base.toml"\n'},
     "s.toml: extends = 'base.toml': file not found (base.toml; the path is relative to the "
     "extending file's folder)"),
    ("extends-cycle", {"s.toml": 'extends = "a.toml"\n', "a.toml": 'extends = "b.toml"\n',
                       "b.toml": 'extends = "s.toml"\n'},
     "b.toml: extends = 's.toml': these files extend each other in a loop "
     "(s.toml -> a.toml -> b.toml -> s.toml)"),
    ("extends-itself", {"s.toml": 'extends = "./s.toml"\n'},
     "s.toml: extends = './s.toml': these files extend each other in a loop (s.toml -> s.toml)"),
    ("extends-not-text", {"s.toml": "extends = 3\n"},
     "s.toml: extends = 3: expected the name of another scenario file in quotes, "
     "e.g. extends = \"baseline.toml\""),
    ("extends-folder", {"s.toml": 'extends = "sub"\n', "sub/x.toml": ""},
     "s.toml: extends = 'sub': is a folder, not a file (sub; the path is relative to the "
     "extending file's folder)"),
    ("error-in-parent", {"s.toml": 'extends = "sub/base.toml"\n',
                         "sub/base.toml": "[org]\nspan = 0\n"},
     "sub/base.toml: org.span = 0: out of range; allowed: a whole number from 1 to 100"),
    ("unknown-calendar", {"s.toml": '[season]\ncalendar = "christmas"\n'},
     "s.toml: season.calendar = 'christmas': unknown choice; allowed: one of 'holiday_peak', "
     "'gift_retail', 'general_retail', 'flat', 'two_peaks', 'custom'"),
    ("custom-calendar-without-profile", {"s.toml": '[season]\ncalendar = "custom"\n'},
     "s.toml: season.calendar = 'custom': a custom calendar needs season.monthly (12 shares) "
     "or season.weekly (52 multipliers)"),
    ("unknown-policy", {"s.toml": "[policies.rotaton]\nshare = 0.3\n"},
     f"s.toml: [policies.rotaton]: unknown policy (did you mean [policies.rotation]?); "
     f"known policies: {POLICIES}"),
    ("policy-not-a-table", {"s.toml": "[policies]\nrotation = true\n"},
     "s.toml: policies.rotation = true: expected a table [policies.rotation] of settings"),
    ("unknown-policy-setting", {"s.toml": "[policies.rotation]\nshares = 0.3\n"},
     "s.toml: policies.rotation.shares = 0.3: unknown setting in [policies.rotation] "
     "(did you mean 'policies.rotation.share'?)"),
    ("unknown-tactic", {"s.toml": '[tactics]\nenabled = ["withholding", "withold"]\n'},
     f"s.toml: tactics.enabled[1] = 'withold': unknown tactic (did you mean 'withholding'?); "
     f"allowed: one of {TACTICS}"),
    ("bad-choice", {"s.toml": '[comp]\nquota_period = "fortnight"\n'},
     "s.toml: comp.quota_period = 'fortnight': unknown choice; "
     "allowed: one of 'month', 'quarter', 'year'"),
    ("nan", {"s.toml": "[accounts]\nchurn_base = nan\n"},
     "s.toml: accounts.churn_base = nan: not a number (nan) is not allowed; "
     "expected a number from 0 to 1"),
    ("infinity", {"s.toml": "[accounts]\npotential_median = inf\n"},
     "s.toml: accounts.potential_median = inf: infinity is not allowed; "
     "expected a number from 1 to 1000000000"),
    ("name-with-slash", {"s.toml": 'name = "../escape"\n'},
     "s.toml: name = '../escape': expected a short name without slashes, e.g. 'rotation-26w'"),
    ("name-not-text", {"s.toml": "name = 7\n"},
     "s.toml: name = 7: expected text in quotes"),
    ("not-utf8", {"s.toml": b"[org]\nspan = 3 # \xff\n"},
     "s.toml:2:12: not a UTF-8 text file (byte 0xff); save it as UTF-8"),
    ("section-not-a-table", {"s.toml": "org = 5\n"},
     "s.toml: org = 5: expected a table [org] of settings"),
]


def write_files(root, files: dict) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def one_error_line(capsys, argv: list[str]) -> str:
    """Run the CLI, check exit code 2 and a single clean stderr line; return the message."""
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("salesim: error: ")
    return err[len("salesim: error: "):-1]


def test_enough_distinct_cases():
    assert len({c[0] for c in CASES}) == len(CASES) >= 30
    assert len({c[2] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("files,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validate_bad_file(tmp_path, monkeypatch, capsys, files, expected):
    write_files(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    assert one_error_line(capsys, ["validate", "s.toml"]) == expected


def test_error_names_the_path_as_given(tmp_path, capsys):
    write_files(tmp_path, {"deep/s.toml": "[org]\nspan = -1\n"})
    path = str(tmp_path / "deep" / "s.toml")
    assert one_error_line(capsys, ["validate", path]).startswith(f"{path}: org.span = -1: ")


def test_file_not_found(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert one_error_line(capsys, ["validate", "missing.toml"]) == "missing.toml: file not found"


def test_folder_given_as_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "scen").mkdir()
    monkeypatch.chdir(tmp_path)
    assert one_error_line(capsys, ["validate", "scen"]) == "scen: is a folder, not a TOML file"


def test_debug_flag_shows_the_exception(tmp_path, monkeypatch):
    from sim.common.errors import ConfigError
    write_files(tmp_path, {"s.toml": "[org]\nspan = -1\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError):
        cli.main(["--debug", "validate", "s.toml"])


scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(), st.booleans(),
                    st.text(max_size=6), st.sampled_from(["custom", "flat", "month", "top"]))
values = st.one_of(scalars, st.lists(scalars, max_size=13), st.dictionaries(st.text(max_size=3),
                                                                              scalars, max_size=2))
paths = st.one_of(st.sampled_from(all_paths()), st.from_regex(r"[a-z]{1,6}(\.[a-z_]{1,8}){0,2}",
                                                                fullmatch=True))


def nest(pairs: list) -> dict:
    data: dict = {}
    for path, value in pairs:
        *tables, leaf = path.split(".")
        node = data
        for part in tables:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[leaf] = value
    return data


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(paths, values), max_size=4))
def test_any_data_is_accepted_or_gets_one_line(pairs):
    """Random (mostly wrong) data never escapes as anything but a one-line ConfigError."""
    try:
        clean = validate_dict(nest(pairs), "f.toml")
    except ConfigError as err:
        msg = str(err)
        assert msg.startswith("f.toml: ") and "\n" not in msg and len(msg) < 400
    else:
        scenario_from_dict(clean)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(paths, st.text(max_size=12)), min_size=1, max_size=3))
def test_any_set_is_accepted_or_gets_one_line(pairs):
    sets = [f"{path}={text}" for path, text in pairs]
    try:
        validate_dict(apply_sets({}, sets), "--set")
    except ConfigError as err:
        assert str(err).startswith("--set") and "\n" not in str(err)


# `salesim run` must refuse bad input before the simulation starts.
RUN_CASES = [
    ("set-unknown-path", ["--set", "org.n_rep=5"],
     "--set org.n_rep=5: unknown setting 'org.n_rep' (did you mean 'org.n_reps'?)"),
    ("set-unknown-section", ["--set", "compensation.cap=2"],
     "--set compensation.cap=2: unknown setting 'compensation.cap' (did you mean 'comp.cap'?)"),
    ("set-unparsable", ["--set", "comp.commission_rate=0.1.2"],
     "--set comp.commission_rate=0.1.2: cannot parse '0.1.2' as a value; "
     "expected a number from 0 to 1"),
    ("set-text-for-number", ["--set", "comp.commission_rate=high"],
     "--set comp.commission_rate=high: cannot parse 'high' as a value; "
     "expected a number from 0 to 1"),
    ("set-decimal-for-integer", ["--set", "org.n_reps=2.5"],
     "--set: org.n_reps = 2.5: expected an integer, without a decimal point; "
     "allowed: a whole number from 1 to 100000"),
    ("set-bad-choice", ["--set", "season.calendar=christmas"],
     "--set: season.calendar = 'christmas': unknown choice; allowed: one of 'holiday_peak', "
     "'gift_retail', 'general_retail', 'flat', 'two_peaks', 'custom'"),
    ("set-without-value", ["--set", "org.n_reps"],
     "--set org.n_reps: expected KEY.PATH=VALUE, for example --set comp.commission_rate=0.1"),
    ("set-out-of-range", ["--set", "policies.rotation.share=2"],
     "--set: policies.rotation.share = 2: out of range; allowed: a number from 0 to 1"),
    ("bad-file", ["s.toml", "--set", "org.span=4", "--set", "tactics.enabled=[]"],
     "s.toml: org.n_reps = 0: out of range; allowed: a whole number from 1 to 100000"),
    ("out-under-a-file", ["--out", "somefile/sub"],
     "somefile/sub: output directory is not writable (somefile is a file, not a folder)"),
    ("out-is-a-file", ["--out", "somefile"],
     "somefile: output directory is not writable (somefile is a file, not a folder)"),
]


@pytest.mark.parametrize("args,expected", [c[1:] for c in RUN_CASES],
                         ids=[c[0] for c in RUN_CASES])
def test_run_refuses_before_running(tmp_path, monkeypatch, capsys, args, expected):
    import sim.scenario.runner

    def must_not_run(*_a, **_k):
        raise AssertionError("the simulation started despite bad input")

    monkeypatch.setattr(sim.scenario.runner, "run_scenario", must_not_run)
    write_files(tmp_path, {"s.toml": "[org]\nn_reps = 0\n", "somefile": "not a folder"})
    monkeypatch.chdir(tmp_path)
    assert one_error_line(capsys, ["run", *args, "--weeks", "1"]) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml", "somefile"]
