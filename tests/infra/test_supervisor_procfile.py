"""The supervisor reads the Procfile as ``make run`` runs it, and refuses a malformed one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from metacult.infra.supervisor import BANNER, Console, ProcessType, read_procfile

REPO = Path(__file__).resolve().parents[2]


def test_the_procfile_lists_web_worker_and_scheduler() -> None:
    kinds = read_procfile(REPO / "Procfile")
    assert [kind.name for kind in kinds] == ["web", "worker", "scheduler"]
    assert all(kind.command.startswith("exec ") for kind in kinds)


def test_comments_and_blank_lines_are_skipped_and_a_line_without_a_name_refused(
    tmp_path: Path,
) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("# the web\n\nweb: exec python -m metacult serve\n")
    assert read_procfile(procfile) == [ProcessType("web", "exec python -m metacult serve")]

    procfile.write_text("web exec python -m metacult serve\n")
    with pytest.raises(ValueError, match="Procfile:1"):
        read_procfile(procfile)


def test_the_serving_line_stands_apart_in_the_console() -> None:
    out = io.StringIO()
    console = Console(out, ["web.1"])
    console.line("web.1", "a log line")
    console.line("web.1", f"{BANNER} http://127.0.0.1:18080")
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("web.1  | a log line")
    # Framed by empty prefixed lines, so it does not drown among the logs.
    assert lines[1].endswith("|") and lines[3].endswith("|")
    assert lines[2].endswith(f"{BANNER} http://127.0.0.1:18080")


def test_concurrency_names_a_count_per_process_type_and_refuses_anything_else() -> None:
    from metacult.infra.supervisor import parse_concurrency

    assert parse_concurrency("web=2, worker=3") == {"web": 2, "worker": 3}
    assert parse_concurrency("") == {}
    for bad in ("web", "web=two", "=2", "web=65"):
        with pytest.raises(ValueError):
            parse_concurrency(bad)
