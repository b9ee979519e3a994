"""What a user's config dir (``--config-dir``/``-cd``) and the command line may hold,
checked before Hydra reads them.

Trust model (docs/reliability.md): a config dir is data, not code. Its YAML files may
set any key the schema knows; they may not name Python objects to call. So, before Hydra
loads anything, every YAML file of the dir is parsed into nodes (without constructing
any object): a syntax error, a duplicate key, a tag that names Python (``!!python/...``)
or any other non-standard tag, a file that is not a mapping, and an alias expansion
beyond :data:`MAX_NODES` nodes (a "billion laughs" file) stop the command with the file
and line. A ``_target_`` (what Hydra instantiates) is refused unless it is one of the
objects this project and Hydra's own plugins declare for themselves (:data:`TARGETS`),
in the dir and on the command line (``+hydra.callbacks.x._target_=...``). A log
handler's ``filename`` must be in the run's own folder, and ``hydra.job.name`` (which names
the job's log file) a plain file name.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from escalationsim.config.fields import ConfigError

MAX_NODES = 200_000
"""Nodes a config file may expand to, aliases included (the shipped files have a few
thousand; a YAML alias bomb of 400 bytes expands to billions)."""
MAX_FILES = 10_000
MAX_BYTES = 10_000_000
"""Bounds on a config dir: files read, and bytes per file."""

TARGETS = (
    "escalationsim.app.callbacks.SweepReport",
    "hydra_plugins.escalationsim_sweeper.CoveringSweeper",
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
    "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_aws_launcher.RayAWSLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
)
"""What a configuration may ask Hydra to instantiate: the project's callback and sweeper,
and Hydra's sweepers and launchers. Nothing else (a config dir cannot call the project's
helpers, e.g. a file writer, nor any other Python object)."""

_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp", "merge")
}
"""The tags a config file may use: plain values (no sets, binary data or Python)."""


def config_dirs(argv: list[str]) -> list[Path]:
    """The config dirs and paths given on the command line (``--config-dir``/``-cd``,
    ``--config-path``/``-cp``, any abbreviation argparse accepts, with the value after
    ``=`` or as the next argument), and the ``file://`` entries of ``hydra.searchpath``."""
    import re

    out = []
    for i, arg in enumerate(argv):
        flag, eq, value = arg.partition("=")
        long = len(flag) > 9 and (
            "--config-dir".startswith(flag) or "--config-path".startswith(flag)
        )
        if flag in ("-cd", "-cp") or long:
            if eq:
                out.append(Path(value))
            elif i + 1 < len(argv):
                out.append(Path(argv[i + 1]))
        elif flag.lstrip("+").startswith("hydra.searchpath"):
            out += [Path(p) for p in re.findall(r"file://([^,\]\s'\"]+)", value)]
    return out


def check_argv(argv: list[str]) -> None:
    """Raise a ConfigError for a config dir or a command-line override that is not
    allowed (see the module's docstring)."""
    import re

    for d in config_dirs(argv):
        check_dir(d)
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep:
            continue
        if key.lstrip("+~").endswith("_target_"):
            _check_target(value.strip("'\""), f"{key.lstrip('+~')} on the command line")
        for target in re.findall(r"_target_['\"]?\s*:\s*['\"]?([^,}'\"\s]+)", value):
            _check_target(target, f"{key.lstrip('+~')} on the command line")
        if "'()'" in value or '"()"' in value or key.endswith(".()"):
            raise ConfigError(
                f"{key.lstrip('+~')} on the command line: a '()' factory is not allowed (a "
                "configuration cannot name Python objects to call)"
            )
        bare = key.lstrip("+~")
        if bare.startswith("hydra.") and (bare.endswith(".filename") or bare == "hydra.job.name"):
            from hydra.core.override_parser.overrides_parser import OverridesParser

            try:
                parsed = str(OverridesParser.create().parse_override(arg).value())
            except Exception:  # Hydra reports an override it cannot parse itself
                parsed = value
            where = f"{bare} on the command line"
            if bare == "hydra.job.name":
                check_job_name(parsed, where)
            else:
                check_log_file(parsed, where)
        if key.startswith(("+hydra.", "++hydra.")):  # a typo of Hydra's own key
            from hydra.core.override_parser.overrides_parser import OverridesParser

            from escalationsim.app.inert import check_hydra_key

            try:
                o = OverridesParser.create().parse_override(arg)
            except Exception:  # Hydra reports an override it cannot parse itself
                continue
            check_hydra_key(o, o.key_or_group)


def check_dir(folder: Path) -> None:
    """Check every YAML file of ``folder`` (see the module's docstring)."""
    import os

    if not folder.is_dir():
        return  # Hydra names a config dir that is not there
    seen = 0
    for top, _dirs, names in os.walk(folder):
        for name in sorted(names):
            if not name.endswith((".yaml", ".yml")):
                continue
            seen += 1
            if seen > MAX_FILES:
                raise ConfigError(f"--config-dir {folder}: more than {MAX_FILES:,} YAML files")
            check_file(Path(top) / name)


def check_file(path: Path) -> None:
    """One YAML file: parsed into nodes only, then checked."""
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_BYTES:,} bytes")
    text = path.read_text(errors="replace")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{where}: not valid YAML ({problem})") from None
    if node is None:
        return  # an empty file
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            f"{path}, line {node.start_mark.line + 1}: a config file must be a mapping of "
            "keys to values"
        )
    _walk(node, path)


def _walk(root: yaml.Node, path: Path) -> None:
    """Tags, duplicate keys, targets and the expanded size, each node visited once (an
    alias is the node it names: its expansion is counted, not performed)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_NODES:
                raise ConfigError(
                    f"{path}, line {node.start_mark.line + 1}: expands to more than "
                    f"{MAX_NODES:,} values (YAML aliases repeated within aliases); write the "
                    "values out"
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise ConfigError(f"{path}, line {node.start_mark.line + 1}: an alias refers to itself")
        _check_node(node, path)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_node(node: yaml.Node, path: Path) -> None:
    line = node.start_mark.line + 1
    if node.tag not in _STANDARD_TAGS:
        raise ConfigError(
            f"{path}, line {line}: the tag {node.tag!r} is not allowed (a config file holds "
            "plain values; it cannot name Python objects)"
        )
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    raise ConfigError(
                        f"{path}, line {k.start_mark.line + 1}: duplicate key {k.value!r}"
                    )
                seen.add(k.value)
                if k.value == "_target_" and isinstance(v, yaml.ScalarNode):
                    _check_target(v.value, f"{path}, line {k.start_mark.line + 1}")
                if k.value == "filename" and isinstance(v, yaml.ScalarNode):  # a log file
                    check_log_file(v.value, f"{path}, line {k.start_mark.line + 1}")
                if k.value == "()":  # logging's factory: a Python object to call
                    raise ConfigError(
                        f"{path}, line {k.start_mark.line + 1}: a '()' factory is not "
                        "allowed (a config file cannot name Python objects to call)"
                    )


LOG_DIR = "${hydra.runtime.output_dir}/"
"""Where a log handler's file may be: in the run's own folder."""


def check_log_file(value: str, where: str) -> None:
    """Refuse a log file outside the run's folder (a handler's ``filename``)."""
    rest = value[len(LOG_DIR) :] if value.startswith(LOG_DIR) else ""
    if not rest or "/" in rest or ".." in rest:
        raise ConfigError(
            f"{where}: the log file {value!r} is not allowed: a log goes into the run's own "
            f"folder ({LOG_DIR}<name>.log), as the project writes nothing outside it "
            "(docs/reliability.md, Trust model)"
        )


def check_job_name(value: str, where: str) -> None:
    """Refuse a job name that would put the job's log (``<name>.log``) elsewhere."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", value) or ".." in value:
        raise ConfigError(
            f"{where}: hydra.job.name = {value!r} is not allowed: it names the job's log "
            "file in the run's folder, so it must be letters, digits, '_', '-' or '.', "
            "without '..' or '/'"
        )


def _check_target(target: str, where: str) -> None:
    if target not in TARGETS:
        raise ConfigError(
            f"{where}: _target_ {target!r} is not allowed: a configuration may instantiate "
            f"only the project's callback and sweeper and Hydra's sweepers and launchers "
            "(docs/reliability.md, Trust model)"
        )
