"""The Hydra configs: every option composes, typos fail at compose time, the CLI behaves."""

import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException

from job.config import DailyConfig
from job.wiring import options_from, register_configs

CONF = Path(__file__).resolve().parents[1] / "conf"
ROOT = CONF.parent


def compose_daily(*overrides: str):
    register_configs()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def options_of(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize("group", ["embedder", "index", "scoring", "experiment"])
def test_every_option_of_every_group_composes_into_typed_options(group, tmp_path):
    assert options_of(group)
    for option in options_of(group):
        cfg = compose_daily(f"{group}={option}", f"output.dir={tmp_path}")
        typed = options_from(cfg, DailyConfig)
        assert isinstance(typed, DailyConfig)
        assert typed.output.dir == str(tmp_path)


def test_exact_search_stays_selectable():
    assert options_from(compose_daily("index=flat"), DailyConfig).index.factory == "Flat"


@pytest.mark.parametrize("override", ["scoring.treshold=0.3", "index.nprob=4", "scoring.templates.min_overlapp=0.5"])
def test_a_misspelt_key_fails_at_compose_time(override):
    with pytest.raises(ConfigCompositionException):
        compose_daily(override)


def test_a_wrongly_typed_value_fails_at_compose_time():
    with pytest.raises(ConfigCompositionException):
        compose_daily("scoring.threshold=high")


def test_an_out_of_range_threshold_is_refused_with_its_key_named():
    cfg = compose_daily("scoring.threshold=1.5")
    with pytest.raises(ValueError, match="scoring.threshold must be in"):
        options_from(cfg, DailyConfig)


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "score.py"), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def test_cli_missing_file_exits_nonzero_with_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    done = cli(f"input.path={tmp_path / 'nope.parquet'}", f"output.dir={out}")
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "nope.parquet" in errors[0]
    assert not out.exists()


def test_cli_missing_column_names_the_file_and_the_column(tmp_path):
    path = tmp_path / "traffic.csv"
    path.write_text("user,timestamp,prompt\na,1,hello\n")
    done = cli(f"input.path={path}", f"output.dir={tmp_path / 'out'}")
    assert done.returncode != 0
    assert "traffic.csv" in done.stderr and "'account_id'" in done.stderr and "input.columns.account_id" in done.stderr
    assert not (tmp_path / "out").exists()


def test_cli_refuses_an_added_key_no_option_has_and_names_the_real_one(tmp_path):
    """``+scoring.treshold=0.3`` is the form Hydra's own message suggests; it must not run with the value ignored."""
    done = cli("+scoring.treshold=0.3", f"output.dir={tmp_path / 'out'}")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: scoring.treshold is not an option; did you mean scoring.threshold?"]
    assert not (tmp_path / "out").exists()


def test_cli_scores_the_demo_day_with_no_input(tmp_path):
    done = cli(f"output.dir={tmp_path}", "demo.users=60")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "accounts.csv").is_file() and (tmp_path / "summary.json").is_file()
    assert "flagged" in done.stdout


def test_cli_killed_mid_run_leaves_no_results(tmp_path):
    """SIGKILL after the day is embedded, while it is being scored: no result file may look complete."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "score.py"), f"output.dir={tmp_path}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        for line in proc.stdout:
            if line.startswith("read_embed:"):
                proc.kill()
                break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -9, "the run ended before it could be interrupted"
    for name in ("accounts.csv", "accounts.parquet", "summary.json", "rejected.jsonl"):
        assert not (tmp_path / name).exists(), name


def test_cli_reads_custom_column_names(tmp_path):
    from synthetic.demo.day import DemoOptions, demo_day

    path = tmp_path / "day.csv"
    frame = demo_day(DemoOptions(users=40))[["account_id", "timestamp", "prompt"]]
    frame.rename(columns={"account_id": "user", "prompt": "text"}).to_csv(path, index=False)
    done = cli(f"input.path={path}", "input.columns.account_id=user", "input.columns.prompt=text",
               f"output.dir={tmp_path / 'out'}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out" / "accounts.csv").is_file()


@pytest.mark.parametrize("override, message", [
    ("scoring.threshold=7", "scoring.threshold must be in (0, 1)"),
    ("input.chunk_rows=0", "input.chunk_rows must be an integer >= 1"),
    ("input.format=xlsx", "input.format must be 'auto' or one of"),
    ("input.timestamp_unit=minutes", "input.timestamp_unit must be 'auto' or one of"),
    ("index.factory=Nonsense", "index.factory='Nonsense' is not a faiss factory string"),
])
def test_cli_a_bad_option_value_is_one_line_and_exit_2(tmp_path, override, message):
    done = cli(override, f"output.dir={tmp_path / 'out'}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], done.stderr[-1000:]
    assert not (tmp_path / "out").exists()
