"""The benchmark harness: `make bench` (see bench/cli.py).

Also installed as a Django app under prm.settings.bench only, for the floor pages' template;
keep this module free of imports.
"""
