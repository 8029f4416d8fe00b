"""``goalrail docs builtins`` — the builtin reference, generated from the registry."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=["builtins"], help="which document to generate")
    p.add_argument("--check", metavar="FILE", help="exit 1 if FILE differs from the generated text")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from goalrail.policies.docs import render
    from goalrail.policies.registry import Registry

    text = render(e for e in Registry.load().public() if e.builtin)
    if args.check:
        current = Path(args.check).read_text(encoding="utf-8") if Path(args.check).exists() else ""
        if current != text:
            print(f"{args.check} is out of date: run `goalrail docs builtins > {args.check}`")
            return 1
        print(f"{args.check} is up to date")
        return 0
    print(text, end="")
    return 0
