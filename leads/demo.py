"""Lead distribution's part of `make run`'s demo, through its own services: each part adds its own
(``demo_<part>.py``), loaded in the order the work runs: the rules and capacities first, then the
leads that arrive and are routed, then what partners did with their offers."""

from importlib import import_module

PARTS = ("routing", "intake", "offers", "reports")


def load(demo) -> None:
    for part in PARTS:
        try:
            module = import_module(f"leads.demo_{part}")
        except ModuleNotFoundError:
            continue
        module.load(demo)
