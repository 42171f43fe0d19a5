"""The synthetic demo day: deterministic, realistic in shape, and round-trips through files."""

from __future__ import annotations

import pandas as pd
import pytest

from synthetic.demo.day import (
    COLUMNS, KINDS, LABEL_COLUMNS, STRATEGIES, DemoOptions, demo_day, demo_day_with_labels, write_demo_day,
)
from synthetic.demo.topics import SUBJECTS, TOPICS


@pytest.fixture(scope="module")
def day() -> pd.DataFrame:
    return demo_day_with_labels()


def test_topic_space_is_regular() -> None:
    assert len(SUBJECTS) == 24
    for subject, subtopics in TOPICS.items():
        assert len(subtopics) == 10, subject
        for subtopic, entities in subtopics.items():
            assert len(set(entities)) >= 4, (subject, subtopic)


def test_same_arguments_give_identical_frames(day: pd.DataFrame) -> None:
    again = demo_day_with_labels()
    pd.testing.assert_frame_equal(day, again)
    assert day.to_csv(index=False) == again.to_csv(index=False)


def test_other_seed_gives_other_day(day: pd.DataFrame) -> None:
    other = demo_day(DemoOptions(seed=1))
    assert not other.equals(day[list(COLUMNS)])
    assert set(other.prompt) != set(day.prompt)


def test_columns_kinds_and_strategies(day: pd.DataFrame) -> None:
    plain = demo_day()
    assert tuple(plain.columns) == COLUMNS
    assert tuple(day.columns) == COLUMNS + LABEL_COLUMNS
    assert set(day.kind) == set(KINDS)
    harvesters = day[day.kind == "harvester"]
    assert set(harvesters.strategy) == set(STRATEGIES)
    assert (day.strategy[day.kind != "harvester"] == "").all()
    assert harvesters.account_id.nunique() == 5 + 40
    fleet = harvesters[harvesters.strategy == "fleet"].groupby("account_id").size()
    assert len(fleet) == 40 and fleet.between(10, 30).all(), "the fleet: 40 small accounts of 10-30 prompts"
    assert harvesters.groupby("account_id").strategy.nunique().eq(1).all()
    for column in COLUMNS:
        assert day[column].map(type).eq(str).all(), column


def test_size_with_defaults(day: pd.DataFrame) -> None:
    assert 8_000 <= len(day) <= 12_000
    per_account = day.groupby("account_id").size()
    assert per_account["acme-support-bot"] == 1500
    assert per_account[per_account.index.str.startswith("student-")].between(100, 200).all()
    assert per_account[per_account.index.str.startswith("harvest-")].between(300, 800).all()


def test_harvesters_cover_every_subject_evenly(day: pd.DataFrame) -> None:
    harvesters = day[day.kind == "harvester"]
    # A fleet account holds a slice of the sweep; the fleet as a whole covers it evenly.
    actor = harvesters.account_id.where(harvesters.strategy != "fleet", "fleet")
    for account, rows in harvesters.groupby(actor):
        shares = rows.subject.value_counts(normalize=True)
        assert set(shares.index) == set(SUBJECTS), account
        assert shares.max() < 2.0 / len(SUBJECTS), account


def test_ordinary_users_concentrate_on_few_subjects(day: pd.DataFrame) -> None:
    users = day[(day.kind == "user") & (day.subject != "")]
    heavy = users.groupby("account_id").filter(lambda rows: len(rows) >= 30)
    assert heavy.account_id.nunique() >= 5
    for account, rows in heavy.groupby("account_id"):
        counts = rows.subject.value_counts()
        assert counts.head(3).sum() / counts.sum() >= 0.75, account


def test_user_volumes_are_heavy_tailed(day: pd.DataFrame) -> None:
    volumes = day[day.kind == "user"].groupby("account_id").size()
    assert len(volumes) == 300
    assert volumes.median() <= 10
    assert volumes.max() >= 100
    assert (volumes <= 15).mean() >= 0.6


def test_users_phrase_freely_and_sometimes_retry(day: pd.DataFrame) -> None:
    users = day[day.kind == "user"]
    assert users.prompt.nunique() / len(users) > 0.85
    retried = users.groupby("account_id").prompt.apply(lambda prompts: prompts.duplicated().sum()).sum()
    assert 0.02 <= retried / len(users) <= 0.10


def test_heavy_user_is_far_less_templated_than_a_sweep(day: pd.DataFrame) -> None:
    def opening_variety(prompts: pd.Series) -> float:
        openings = prompts.str.lower().str.split().str[:3].str.join(" ")
        return openings.nunique() / len(openings)

    users = day[day.kind == "user"]
    heaviest = users[users.account_id == users.account_id.value_counts().index[0]].prompt
    sweep = day[day.account_id == "harvest-01"].prompt
    assert len(heaviest) >= 100
    assert opening_variety(heaviest) > 0.3
    assert opening_variety(heaviest) > 10 * opening_variety(sweep)


def test_popular_one_liners_are_shared_across_users(day: pd.DataFrame) -> None:
    users = day[day.kind == "user"]
    senders = users[users.subject == ""].account_id.nunique()
    assert 0.05 * 300 <= senders <= 0.2 * 300


def test_evasive_harvester_carries_unicode_noise(day: pd.DataFrame) -> None:
    prompts = day[day.strategy == "evasive"].prompt
    noisy = prompts.str.contains("[\u200b\u0400-\u04ff\uff01-\uff5e\x00-\x1f\x7f]|  ", regex=True)
    assert 0.2 <= noisy.mean() <= 0.4


def test_timestamps_are_sorted_and_on_the_day(day: pd.DataFrame) -> None:
    assert day.timestamp.str.fullmatch(r"2026-11-27T\d\d:\d\d:\d\dZ").all()
    parsed = pd.to_datetime(day.timestamp, utc=True, format="ISO8601")
    assert parsed.is_monotonic_increasing
    assert (parsed.dt.date.astype(str) == "2026-11-27").all()
    shifted = demo_day(DemoOptions(users=20, day="2027-01-05"))
    assert shifted.timestamp.str.startswith("2027-01-05T").all()


def test_n_users_scales_the_day(day: pd.DataFrame) -> None:
    small = demo_day_with_labels(DemoOptions(users=50))
    assert small[small.kind == "user"].account_id.nunique() == 50
    assert len(small) < len(day)
    # Accounts draw from their own streams: the first 50 users are the same people.
    first = day[day.account_id.isin(small.account_id) & (day.kind == "user")]
    assert first.prompt.tolist() == small[small.kind == "user"].prompt.tolist()
    pd.testing.assert_frame_equal(small[small.kind != "user"].reset_index(drop=True),
                                  day[day.kind != "user"].reset_index(drop=True))


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_write_round_trips(tmp_path, suffix: str) -> None:
    path = write_demo_day(tmp_path / "out" / f"day{suffix}", DemoOptions(users=40, seed=2))
    expected = demo_day(DemoOptions(users=40, seed=2))
    if suffix == ".parquet":
        loaded = pd.read_parquet(path)
    elif suffix == ".csv":
        loaded = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        loaded = pd.read_json(path, lines=True, dtype=False)
    pd.testing.assert_frame_equal(loaded, expected, check_dtype=False)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


def test_bad_arguments_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        write_demo_day(tmp_path / "day.xlsx")
    with pytest.raises(ValueError, match="day must be a date"):
        DemoOptions(day="27/11/2026")
    with pytest.raises(ValueError, match="demo.users"):
        DemoOptions(users=0)
    with pytest.raises(ValueError, match="demo.seed"):
        DemoOptions(seed=-1)


@pytest.mark.slow
def test_large_day_size() -> None:
    large = demo_day(DemoOptions(users=2500))
    assert 38_000 <= len(large) <= 52_000
