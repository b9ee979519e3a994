"""``escalationsim --help``: the config groups and the main keys, one line each.

Hydra's own ``--help`` prints the whole composed configuration (hundreds of lines) with no
word on any key. This page is built from what the shipped configuration already says: each
group option's first sentence (the comment that opens its file) and each key's end-of-line
comment (its unit, source or assumption) in ``conf/config.yaml`` and the default scenario.
The whole composed configuration stays one command away (``--cfg job``).
"""

from __future__ import annotations

import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "conf"

GROUPS: dict[str, str] = {
    "experiment": "a named experiment (what it runs and compares)",
    "scenario": "the world: volumes, channels, staff, customers, costs",
    "policy": "a preset policy (loaded under policies.<name>)",
    "staffing": "who is on duty when (+staffing=...)",
    "social_team": "who answers public posts (+social_team=...)",
    "public_share": "how many complaints start in public (+public_share=...)",
    "uncertainty": "the uncertain parameters a robustness study samples",
}
"""The groups a user picks from, in the order shown, with what each chooses."""

_LINE = re.compile(
    r"^(?P<indent> *)(?P<key>[A-Za-z_]\w*):(?P<value>[^#]*?)\s*(?:#\s*(?P<doc>.*))?$"
)


def _first_sentence(path: Path) -> str:
    """The first sentence of the comment that opens ``path`` (without its own name)."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if text.startswith("@package"):
            continue
        words.append(text)
    text = " ".join(words)
    text = re.sub(rf"^(\w+=)?{re.escape(path.stem)}\s*(:|\u2014|-)\s*", "", text)
    sentence = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0].rstrip(".;")
    return _cut(sentence[:1].upper() + sentence[1:], 80)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def commented_keys(path: Path, skip: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """``(dotted key, value as written, comment)`` for every key of the YAML file at
    ``path`` (sections included, with an empty value), in file order; the sections in
    ``skip`` are left out."""
    out: list[tuple[str, str, str]] = []
    stack: list[tuple[int, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        indent = len(m["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = ".".join([*(k for _, k in stack), m["key"]])
        stack.append((indent, m["key"]))
        if key.split(".")[0] in skip:
            continue
        out.append((key, m["value"].strip(), (m["doc"] or "").strip()))
    return out


def _options(group: str) -> list[Path]:
    folder = CONF / group
    return sorted(p for p in folder.glob("*.yaml") if p.stem != "base")


def help_text() -> str:
    """The page ``escalationsim --help`` prints."""
    lines = [
        "escalationsim: compare complaint policies by simulation (a Hydra application)",
        "",
        "  escalationsim [GROUP=OPTION ...] [KEY=VALUE ...]   one run (results in hydra.run.dir)",
        "  escalationsim --multirun KEY=A,B ...               a sweep, one job per combination",
        "  escalationsim --cfg job [overrides]                the whole composed configuration",
        "  escalationsim --hydra-help                         Hydra's own options",
        "  escalationsim-report FOLDER                        tables, plots and report again",
        "",
        "Config groups (GROUP=OPTION; '+' before staffing, social_team, public_share):",
    ]
    for group, what in GROUPS.items():
        lines.append(f"  {group}: {what}")
        for option in _options(group):
            lines.append(f"    {option.stem:<20} {_first_sentence(option)}")
    lines += ["", "Main settings (KEY=VALUE; the shipped value in brackets):"]
    for key, value, doc in commented_keys(CONF / "config.yaml", skip=("defaults", "hydra")):
        if value:
            lines.append(_cut(f"  {key} [{value}]" + (f"  {doc}" if doc else ""), 110))
    lines += [
        "",
        "The default scenario's main keys (scenario.KEY=VALUE; sections: scenario.SECTION.*):",
    ]
    for key, value, doc in commented_keys(CONF / "scenario" / "default.yaml"):
        if "." in key:
            continue
        shown = f"[{value}]" if value else "(section)"
        lines.append(_cut(f"  scenario.{key} {shown}" + (f"  {doc}" if doc else ""), 110))
    lines += [
        "",
        "A policy's levers: policies.NAME.SLOT.KEY (slots: rep, social, ceo, floodgates,",
        "tracking, root_cause; e.g. policies.empowered_rep.rep.budget_usd=500). A key that",
        "cannot act in the configuration is refused with the reason; a misspelt one with the",
        "key probably meant. More: README.md, docs/model.md, docs/metrics.md,",
        "docs/reliability.md.",
    ]
    return "\n".join(lines) + "\n"
