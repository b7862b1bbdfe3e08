"""Render adversarial annotation bodies and print the slowest.

    .venv/bin/python scripts/bench_markdown.py [--length 10000] [--rounds 5]

Each body is cut to the annotation limit (10,000 characters), then to what the annotation
form accepts (lib.markdown's limits on lines, markup characters and brackets left open); each
shape is also tried with the rest of its length filled by every other shape, as an adversary
would combine them (55 shapes, 3,025 bodies). For each body the median and
the least CPU time of the rounds are kept, the median wall time too (on a shared machine the
wall time tracks the load), and the length of the HTML; the table is sorted slowest first.
docs/performance.md records a run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argmap.lib.markdown import markdown_problem, render_markdown  # noqa: E402

# Shapes that make Markdown parsers backtrack, nest or rescan, or that make the renderer's
# own work (mending typed HTML, images and script links; flattening deep nesting) or nh3's
# largest: each unit repeated to the length.
SHAPES = {
    "[\\": "[\\",
    "[\\]": "[\\]",
    "[ then ]": None,  # half "[" then half "]"
    "[": "[",
    "]": "]",
    "![": "![",
    "[a](": "[a](",
    "[a]": "[a]",
    "[a][": "[a][",
    "[a](b)": "[a](b) ",
    "![a](b)": "![a](b) ",
    "![a](javascript:b)": "![a](javascript:b) ",
    "[a](<": "[a](<",
    '[a](b "': '[a](b "',
    "](": "](",
    "[[a]]": "[[a]]",
    "[a]: b refs": "[a]: b\n",
    "<a:b> autolinks": "<a:b>",
    "*a**": "*a**",
    "_a": "_a",
    "*": "*",
    "_": "_",
    "**_": "**_",
    "a*": "a*",
    "*a ": "*a ",
    "`": "`",
    "`a": "`a",
    "``a`": "``a`",
    "<": "<",
    "<a": "<a",
    "<b>": "<b>",
    "<b>a</b>": "<b>a</b>",
    "<div>": "<div>",
    "<div> lines": "<div>\n\n",
    "<a href=": "<a href=",
    "<!--": "<!--",
    "<http://a": "<http://a",
    "&#": "&#",
    "&amp": "&amp",
    "\\": "\\",
    "> nesting": ">",
    "> > nesting": "> ",
    ">a\n nesting": ">a\n",
    "- nesting": "- ",
    "1. nesting": "1. ",
    "- > nesting": "- > ",
    "    code": "    ",
    "lines": "a\n",
    "blank lines": "\n",
    "paragraphs": "a\n\n",
    "# headings": "# a\n",
    "~~~ fences": "~~~\n",
    "setext": "a\n=\n",
    "mixed": "*[`<_]!\\(&",
}


def accepted(body: str) -> str:
    """body's longest beginning that the annotation form accepts (lib.markdown's limits on
    lines and markup characters): the worst a reader can store."""
    short, long = 0, len(body)
    while short < long:  # the limits count what only grows with the length
        middle = (short + long + 1) // 2
        if markdown_problem(body[:middle]) is None:
            short = middle
        else:
            long = middle - 1
    return body[:short]


def bodies(length: int) -> dict[str, str]:
    made = {}
    for name, unit in SHAPES.items():
        if unit is None:
            made[name] = "[" * (length // 2) + "]" * (length - length // 2)
        else:
            made[name] = (unit * (length // len(unit) + 1))[:length]
    # One long reference used as often as fits: past 20x the body, references show as typed.
    definition = "[a]: https://example.org/" + "x" * 200 + "\n\n"
    made["[a] x reference"] = definition + "[a]" * ((length - len(definition)) // 3)
    limited = {name: accepted(body) for name, body in made.items()}
    # What the limits leave of each shape, with the rest of the length filled by each other
    # shape (as far as the limits let it): an adversary combines the worst of both.
    for name, body in list(limited.items()):
        for other, filler in made.items():
            if other != name:
                limited[f"{name} + {other}"] = accepted(body + filler[: length - len(body)])
    return limited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = []
    for name, body in bodies(args.length).items():
        wall, cpu = [], []
        for _ in range(args.rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            html = render_markdown(body)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        results.append((statistics.median(cpu), min(cpu), statistics.median(wall), len(html), name))
    results.sort(reverse=True)
    print(f"{len(results)} shapes at {args.length:,} characters, {args.rounds} rounds each;")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'cpu ms':>8} {'min cpu':>8} {'wall ms':>8} {'html':>8}  shape (medians; by cpu)")
    for cpu_ms, least, wall_ms, size, name in results:
        print(f"{cpu_ms:8.1f} {least:8.1f} {wall_ms:8.1f} {size:8,}  {name!r}")
    medians = [result[0] for result in results]
    print(
        f"slowest: {results[0][4]!r} at {medians[0]:.1f} ms cpu (median; min {results[0][1]:.1f});"
        f" median shape {statistics.median(medians):.1f} ms;"
        f" largest html {max(result[3] for result in results):,} characters"
    )


if __name__ == "__main__":
    main()
