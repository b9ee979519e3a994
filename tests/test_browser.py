"""The report in a real browser (slow; needs Chromium: Debian's ``chromium`` package,
``apt-get install chromium``): headless Chromium opens report.html of a small run, the
page raises no error, is no wider than a narrow window (800 px, about a printed A4 page),
every image (the plots are inline SVG; a PNG the report did not draw is an <img>) has a
non-zero rendered size, and a screenshot is written."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.cli import run_cli

pytestmark = pytest.mark.slow

PROBE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || e.type)), true);
window.addEventListener("load", () => {
  const plots = Array.from(document.querySelectorAll("figure img, figure svg"));
  const sizes = plots.map(i => {
    const r = i.getBoundingClientRect();
    return (i.tagName !== "IMG" || i.naturalWidth > 0) && r.width > 0 && r.height > 0;
  });
  document.body.setAttribute("data-images", String(sizes.length));
  document.body.setAttribute("data-images-ok", String(sizes.every(Boolean)));
  document.body.setAttribute("data-errors", String(window.__errors.length));
  const wide = document.documentElement.scrollWidth > window.innerWidth;
  document.body.setAttribute("data-too-wide", String(wide));
});
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium: apt-get install chromium (Debian's package)")


def test_the_report_renders_in_a_browser(tmp_path):
    browser = _chromium()
    out = tmp_path / "run"
    proc = run_cli(
        ["run.replications=2", "run.horizon_days=6", "run.warmup_days=1", "run.workers=1"]
        + [f"hydra.run.dir={out}"]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = (out / "report.html").read_text()
    probe = tmp_path / "probe.html"  # the report with a probe script, for the test only
    probe.write_text(page.replace("</head>", PROBE + "\n</head>", 1))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [browser, *flags, "--window-size=800,600", "--virtual-time-budget=5000"]
        + ["--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert 'data-images-ok="true"' in dom, dom[-500:]
    assert 'data-errors="0"' in dom
    assert 'data-too-wide="false"' in dom  # long values and tables wrap
    assert int(dom.split('data-images="', 1)[1].split('"', 1)[0]) >= 4
    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, "--window-size=1280,1800", f"--screenshot={shot}", probe.as_uri()],
        capture_output=True,
        timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 50_000


WHATIF = """<script>
window.addEventListener("load", () => {
  const panel = document.getElementById("whatif");
  document.body.setAttribute("data-before", panel.getAttribute("data-cheapest"));
  const key = "population.clv_median_usd";
  const input = document.querySelector(`#whatif-form input[type=number][data-key="${key}"]`);
  input.value = "%s";
  input.dispatchEvent(new Event("input"));
  document.body.setAttribute("data-after", panel.getAttribute("data-cheapest"));
});
</script>"""


def test_moving_the_customer_value_past_its_break_even_flips_the_panels_ranking(tmp_path):
    """report.html's what-if panel, in headless Chromium: with the median customer value
    set past the break-even value of breakeven.csv, the cheapest policy shown is the other
    one; just short of it, it is still the run's cheapest."""
    import pandas as pd

    browser = _chromium()
    out = tmp_path / "run"
    proc = run_cli(
        ["run.replications=3", "run.horizon_days=10", "run.warmup_days=2", "run.drain_days=3"]
        + ["run.workers=1", "scenario.volume_per_day=300", f"hydra.run.dir={out}"]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(out / "breakeven.csv")
    row = table[table["parameter"] == "population.clv_median_usd"].iloc[0]
    value, current = float(row["breakeven"]), float(row["current"])
    past = value + (value - current) * 0.1  # a tenth beyond the break-even, away from now
    short = value - (value - current) * 0.1
    page = (out / "report.html").read_text()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000"]
    seen = {}
    for name, v in (("past", past), ("short", short)):
        probe = tmp_path / f"{name}.html"
        probe.write_text(page.replace("</body>", WHATIF % v + "\n</body>", 1))
        dom = subprocess.run(
            [browser, *flags, "--dump-dom", probe.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        seen[name] = (
            dom.split('data-before="', 1)[1].split('"', 1)[0],
            dom.split('data-after="', 1)[1].split('"', 1)[0],
        )
    assert seen["past"] == (row["policy_a"], row["policy_b"])
    assert seen["short"] == (row["policy_a"], row["policy_a"])
