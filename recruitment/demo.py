"""Recruitment's part of `make run`'s demo, through its own services: each part adds its own
(``demo_<part>.py``), loaded in the order the product's lifecycle runs."""

from importlib import import_module

PARTS = ("apply", "select", "onboard", "imports")


def load(demo) -> None:
    for part in PARTS:
        try:
            module = import_module(f"recruitment.demo_{part}")
        except ModuleNotFoundError:
            continue
        module.load(demo)
