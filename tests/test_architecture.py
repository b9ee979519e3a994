"""The package's layers: no runtime import cycles between its modules (the layer
contracts themselves are import-linter's, run by `make test`: pyproject.toml)."""

from __future__ import annotations

import grimp


def _runtime_graph() -> grimp.ImportGraph:
    return grimp.build_graph("escalationsim", exclude_type_checking_imports=True)


def test_no_runtime_import_cycles() -> None:
    graph = _runtime_graph()
    modules = sorted(graph.modules)
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    cycles: list[list[str]] = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.find_modules_directly_imported_by(m)):
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n) :] + [n])
            elif n not in state:
                visit(n, stack)
        stack.pop()
        state[m] = 2

    for m in modules:
        if m not in state:
            visit(m, [])
    assert not cycles, "runtime import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_kernel_imports_nothing_of_the_project() -> None:
    graph = _runtime_graph()
    for m in graph.find_descendants("escalationsim.kernel"):
        outside = {
            n
            for n in graph.find_modules_directly_imported_by(m)
            if not n.startswith("escalationsim.kernel")
        }
        assert not outside, (m, outside)
