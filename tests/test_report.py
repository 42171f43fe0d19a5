"""report.html: self-contained, inert prompt text, and drawn, checked in a real headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from job import daily
from report import svg
from synthetic.demo.day import demo_day
from traffic.read import InputOptions

EVIL_ACCOUNT = "<script>alert('account')</script>"
EVIL_PROMPT = "<img src=x onerror=alert(1)> explain <script>fetch('https://example.com')</script> photosynthesis"


@pytest.fixture(scope="module")
def report(detector, tmp_path_factory) -> Path:
    """The report of a demo-day slice with a hostile account id and hostile prompts in it."""
    folder = tmp_path_factory.mktemp("report")
    frame = demo_day().drop(columns=["kind", "strategy"]).head(4000).copy()
    fleet = frame["account_id"].str.startswith("fleet-")
    frame.loc[frame["account_id"] == frame.loc[fleet, "account_id"].iloc[0], "account_id"] = EVIL_ACCOUNT
    frame.loc[frame.index[:40], "prompt"] = [f"{EVIL_PROMPT} {i}" for i in range(40)]
    path = folder / "day.parquet"
    frame.to_parquet(path, index=False)
    daily.run_day(InputOptions(path=str(path)), detector, output_dir=folder / "out", progress=False)
    return folder / "out" / "report.html"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith(("#", "data:")):
                self.fetching.append(f"{tag} {name}={value}")
            if name.startswith("on"):
                self.fetching.append(f"{tag} {name}")


def test_the_page_is_self_contained_and_every_prompt_is_inert(report):
    html = report.read_text(encoding="utf-8")
    tags = _Tags()
    tags.feed(html)
    assert "script" not in tags.tags and "img" not in tags.tags, "a prompt became markup"
    assert tags.fetching == [], tags.fetching
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "&lt;script&gt;alert(&#x27;account&#x27;)&lt;/script&gt;" in html
    assert tags.tags.count("svg") >= 5


def test_it_shows_each_flagged_account_and_campaign_with_its_evidence(report):
    html = report.read_text(encoding="utf-8")
    accounts = pd.read_parquet(report.parent / "accounts.parquet")
    flagged = accounts[accounts["flagged"]]
    assert len(flagged) > 5
    for account in flagged["account_id"].head(5):
        assert f"<summary>{_escaped(account)}:" in html
    campaigns = pd.read_parquet(report.parent / "campaigns.parquet")
    for campaign in campaigns.loc[campaigns["flagged"], "campaign_id"]:
        assert f"<summary>{campaign}:" in html
    assert html.count("Nearest other accounts") == min(40, len(flagged))
    assert html.count("class=prompt") >= 4 * min(40, len(flagged))
    assert "threshold" in html and "activity by hour" in html and "campaign graph" in html


def test_svg_plots_escape_their_labels_and_draw_what_they_are_given():
    graph = svg.campaign_graph([3, 70], [True, False], ["<b>x</b>", "c2"], title="t")
    assert "<b>" not in graph and "&lt;b&gt;" in graph and "60 drawn" in graph
    assert graph.count('r="3"') == 3 + 60
    hist = svg.histogram(np.array([0.1, 0.1, 0.9]), marked=np.array([False, False, True]), threshold=0.5, title="h")
    assert hist.count(f'fill="{svg.RED}"') == 1 and hist.count(f'fill="{svg.BLUE}"') == 2


CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium)")
def test_chromium_loads_it_without_a_console_error_and_draws_the_plots(report, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
              f"--user-data-dir={tmp_path / 'profile'}"]
    done = subprocess.run([*common, "--enable-logging=stderr", "--v=0", "--window-size=1200,1400",
                           f"--screenshot={shot}", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.is_file(), done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Refused to" in line]
    assert console == [], console
    dom = subprocess.run([*common, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert "<script" not in dom.stdout.split("</title>", 1)[1] and "Distillation harvesting report" in dom.stdout
    image = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    colours = {name: int((np.abs(image - np.array(rgb)).sum(axis=2) < 30).sum())
               for name, rgb in (("blue", (31, 119, 180)), ("red", (214, 39, 40)))}
    assert colours["blue"] > 2000 and colours["red"] > 500, colours  # bars, points and discs were drawn
    assert image.std() > 10


def _escaped(text: str) -> str:
    from html import escape

    return escape(text)
