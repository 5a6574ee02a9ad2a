"""The results files: bench/results/latest.json (everything) and latest.md (the tables)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def _write(path: Path, text: str) -> None:
    # Write beside, then rename: a reader never sees half a file (*.tmp is git-ignored).
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _ms(value) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _ratio(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _int(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _background(sample: dict | None) -> str:
    if not sample:
        return "not sampled"
    busy = "?" if sample["busy_pct"] is None else f"{sample['busy_pct']:.0f}% CPU busy"
    return f"{busy} (load average {' / '.join(f'{v:.2f}' for v in sample['load_average'])})"


def _programs(evaluation: dict) -> list[str]:
    """The summary line of the generator's first tier evaluation (what the nightly run found)."""
    if not evaluation:
        return []
    return [
        "- **Programs** (the generator's first nightly tier evaluation, which the micro-benchmarks repeat): "
        + "; ".join(
            f"{slug}: {e['enrollments']:,} enrollments evaluated, {e['proposed_promotions']:,} promotions "
            f"proposed, {e['promoted']:,} promoted automatically, {e['at_risk']:,} at risk"
            for slug, e in evaluation.items()
        )
        + "."
    ]


def _webhooks(hooks: dict | None, calm: dict | None) -> list[str]:
    """The webhook delivery step (bench/webhooks.py), when it ran."""
    if not hooks:
        return []
    if "error" in hooks:
        return ["", "## Webhook delivery", "", f"Not measured: {hooks['error']}"]
    latency, relay, db = hooks["latency"], hooks["relay"], hooks["database"]
    late, record, tasks = hooks["recorder_late"], hooks["record"], hooks.get("tasks") or {}
    states = ", ".join(f"{state} {count:,}" for state, count in sorted(db["messages"].items())) or "none"
    return [
        "",
        "## Webhook delivery",
        "",
        f"Events recorded at {hooks['rate_per_s']:g} a second for {hooks['seconds']:g} s "
        f"({hooks['events']:,} events, {hooks['achieved_rate_per_s']} a second achieved), each in a "
        "transaction of its own; the outbox relay publishes `api.webhook_deliver` after each commit; a "
        f"Celery worker (`{hooks['worker']}`) POSTs the signed message to a loopback receiver. "
        "*Enqueue to received*: from the event's commit to the receiver's reading of the POST, one "
        "clock, matched by the payload's event id. *Relay*: from the commit to the task published. "
        + (
            f"The receiver answers {hooks['answer_after_ms']:g} ms after a POST arrives. "
            if hooks.get("answer_after_ms")
            else "The receiver answers at once. "
        )
        + f"Other work before the step: {_background(calm)}.",
        "",
        "| measure | delivered | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
        f"| enqueue to received | {hooks['delivered']:,} of {hooks['events']:,} | {_ms(latency['p50_ms'])} |"
        f" {_ms(latency['p95_ms'])} | {_ms(latency.get('p99_ms'))} | {_ms(latency['max_ms'])} |",
        f"| relay (commit to published) | - | {_ms(relay['p50_ms'])} | {_ms(relay['p95_ms'])} |"
        f" {_ms(relay.get('p99_ms'))} | {_ms(relay['max_ms'])} |",
        "",
        f"Messages: {states}; {db['attempts']:,} attempts ({db['failed_attempts']:,} not 2xx); "
        f"{hooks['duplicates']} arrived twice, {hooks['bad_signatures']} with a bad signature. CPU per "
        f"event: the worker {_ms(hooks['worker_cpu_ms_per_event'])} ms, PostgreSQL "
        f"{_ms(hooks['db_cpu_ms_per_event'])} ms; other processes {hooks['other_cpu_pct']}% of the cores. "
        f"The recorder ({hooks['recorder_threads']} threads) began an event p50 {_ms(late['p50_ms'])} ms, "
        f"at most {_ms(late['max_ms'])} ms after it was due; recording one (its transaction, the "
        f"commit, the relay) took p50 {_ms(record['p50_ms'])} ms, p95 {_ms(record['p95_ms'])} ms, at "
        f"most {_ms(record['max_ms'])} ms."
        + (
            f" Delivery tasks the worker ran (warm-up included): {tasks['succeeded']:,}, of which "
            f"{tasks['delivered_none']:,} delivered nothing; {tasks['failed_or_retried']:,} raised or retried."
            if tasks
            else ""
        ),
    ]


def _through_pgbouncer(scenarios: list[dict], connections: list[int]) -> list[str]:
    """``--pgbouncer``: each page through pgbouncer against the same page direct."""
    measured = [scenario for scenario in scenarios if scenario.get("pgbouncer")]
    if not measured:
        return []
    lines = [
        "",
        "## Through pgbouncer",
        "",
        "The same pages from a second gunicorn whose connections go through pgbouncer in transaction "
        "pooling mode (`PRM_DB_POOLED=1`; 20 server sessions per login, README *Connection pooling "
        "(pgbouncer)*), each run right after the page's direct runs. *x direct*: direct req/s divided "
        "by pooled req/s, and pooled p50 divided by direct p50 (how many times slower; target 1.1 at most).",
        "",
    ]
    header, rule = "| scenario |", "|---|"
    for c in connections:
        header += f" req/s c={c} | pooled | x direct | p50 | pooled | x direct |"
        rule += "---:|---:|---:|---:|---:|---:|"
    lines += [header, rule]
    for scenario in measured:
        row = f"| {scenario['name']} |"
        for c in connections:
            direct, pooled = scenario["runs"].get(str(c)), scenario["pgbouncer"].get(str(c))
            if direct is None or pooled is None:
                row += " - | - | - | - | - | - |"
                continue
            row += (
                f" {_int(direct['rps'])} | {_int(pooled['rps'])} | {_ratio(pooled['rps_vs_direct'])} |"
                f" {_ms(direct['p50_ms'])} | {_ms(pooled['p50_ms'])} | {_ratio(pooled['p50_vs_direct'])} |"
            )
        lines.append(row)
    return lines


def markdown(results: dict) -> str:
    machine, load, scale = results["machine"], results["load"], results["scale"]
    connections = load["connections"]
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` on {results['date']} (total {results['timings']['total_s']:.0f} s).",
        "",
        f"- **Machine**: {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB RAM, "
        f"{machine['os']}; Python {machine['python']}, Django {machine['django']}, PostgreSQL "
        f"{machine['postgres']}. wrk, gunicorn and PostgreSQL share the same cores.",
        f"- **Other work on the machine** (the second before each phase, nothing of the bench running): "
        f"{_background(machine.get('before_micro'))} before the micro-benchmarks, "
        f"{_background(machine.get('before_load'))} before the load. Anything above a few percent "
        "(a test suite, a build) lowers and scatters the figures.",
        f"- **Server**: {results['server']['description']}; `{results['server']['settings']}` (production "
        "settings over plain http: DEBUG off, static files collected and served by whitenoise, "
        f"CONN_MAX_AGE {results['server']['conn_max_age']}, sessions in PostgreSQL read through Redis), "
        "bound to 127.0.0.1.",
        f"- **Load**: wrk {load['wrk_version']}, {load['duration_s']:g} s per run after a "
        f"{load['warmup_s']:g} s warm-up, at {' and '.join(str(c) for c in connections)} connection(s) "
        "(threads = min(connections, 2)); requests carry `Host: acme.localhost` and, signed in, a "
        "`sessionid` cookie made directly for a channel account manager (staff) or a partner admin; "
        "the REST API's (*API key*) an `Authorization: Bearer` key made for the run for the partner "
        "admin or the tenant's administrator (rate limit raised out of the way; a POST's body names a "
        "customer of its own per request, and its registrations stay in the bench database).",
        "- **Scale**: "
        + "; ".join(
            f"{t['slug']}: {t['partners']:,} partners, {t['users']:,} partner users, {t['staff']:,} staff"
            for t in scale["tenants"]
        )
        + ". Rows: "
        + ", ".join(f"{table} {count:,}" for table, count in sorted(scale["rows"].items()))
        + ".",
        *_programs(scale.get("evaluation") or {}),
        "",
        "## Pages",
        "",
        "Latencies in ms. *SQL*: queries one warm request runs (Django test client, same settings and "
        "data); *trips*: all statements sent, with BEGIN/SAVEPOINT/RELEASE/COMMIT. *SQL ms* and *py ms*: "
        "the mean time of a warm request's statements (round trips included) and this process's CPU "
        "per request, over 20 requests in-process. *x floor*: requests/s divided by the query floor's "
        "at the same concurrency; *x shell*: divided by the shell's of the same actor (the signed-in "
        "layout with an empty body). *CPU*: CPU ms per request during the run, gunicorn's processes "
        "plus the bench database's PostgreSQL backends.",
        "",
    ]
    header = "| scenario | as | SQL | trips | SQL ms | py ms |"
    rule = "|---|---|---:|---:|---:|---:|"
    for c in connections:
        header += f" req/s c={c} | p50 | p95 | p99 | x floor | x shell | CPU |"
        rule += "---:|---:|---:|---:|---:|---:|---:|"
    lines += [header, rule]
    problems = []
    for scenario in results["scenarios"]:
        method = scenario.get("method", "GET")
        path = scenario["path"] if method == "GET" else f"{method} {scenario['path']}"
        row = (
            f"| {scenario['name']} (`{path}`) | {scenario['actor']} | {scenario['queries']} |"
            f" {scenario['round_trips']} | {_ms(scenario.get('sql_ms'))} | {_ms(scenario.get('python_cpu_ms'))} |"
        )
        for c in connections:
            run = scenario["runs"].get(str(c))
            if run is None:
                row += " - | - | - | - | - | - | - |"
                continue
            ratio = scenario["vs_query_floor"].get(str(c))
            to_shell = (scenario.get("vs_shell") or {}).get(str(c))
            row += (
                f" {_int(run['rps'])} | {_ms(run['p50_ms'])} | {_ms(run['p95_ms'])} | {_ms(run['p99_ms'])} |"
                f" {_ratio(ratio)} | {_ratio(to_shell)} | {_ms(run.get('cpu_ms'))} |"
            )
            if run["errors"]:
                problems.append(f"- {scenario['name']} at c={c}: errors {run['errors']}")
        lines.append(row)
    others = [
        (run["other_cpu_pct"], f"{scenario['name']} c={c}")
        for scenario in results["scenarios"]
        for c, run in scenario["runs"].items()
        if run.get("other_cpu_pct") is not None
    ]
    if others:
        top, where = max(others)
        mean = sum(value for value, _ in others) / len(others)
        lines += [
            "",
            f"Other processes used {mean:.0f}% of the cores on average during the runs (at most {top:.0f}%, "
            f"{where}): " + ("figures near what the machine can do." if top < 10 else "**noisy figures**, rerun."),
        ]
    if problems:
        lines += ["", "Errors reported by wrk (non-2xx/3xx answers, timeouts, socket errors):", "", *problems]
    lines += _through_pgbouncer(results["scenarios"], connections)
    lines += [
        "",
        "## Service micro-benchmarks",
        "",
        "`time.perf_counter` around the call, after a warm-up, in one process on the bench database "
        "(no server running). *x baseline*: p50 divided by the baseline variant's p50.",
        "",
        "| benchmark | variant | runs | p50 ms | p95 ms | x baseline |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for bench in results["micro"]:
        for variant in bench["variants"]:
            ratio = variant.get("vs_baseline")
            lines.append(
                f"| {bench['name']} | {variant['name']} | {variant['runs']} | {variant['p50_ms']:.3f} | "
                f"{variant['p95_ms']:.3f} | {'-' if ratio is None else f'{ratio:.2f}'} |"
            )
    lines += ["", *[f"- **{b['name']}**: {b['description']}" for b in results["micro"]]]
    notes = [
        f"- {bench['name']}, {variant['name']}: {variant['note']}"
        for bench in results["micro"]
        for variant in bench["variants"]
        if variant.get("note")
    ]
    if notes:
        lines += ["", "What the runs did:", "", *notes]
    lines += _webhooks(results.get("webhooks"), machine.get("before_webhooks"))
    timings = results["timings"]
    lines += [
        "",
        "## Run",
        "",
        "| phase | seconds |",
        "|---|---:|",
        *[f"| {phase} | {seconds:.1f} |" for phase, seconds in timings["phases"].items()],
        f"| total | {timings['total_s']:.1f} |",
        "",
        f"Command: `{results['command']}`",
        "",
    ]
    return "\n".join(lines)


def write(results: dict, directory: Path) -> tuple[Path, Path]:
    json_path, md_path = directory / "latest.json", directory / "latest.md"
    _write(json_path, json.dumps(results, indent=2, sort_keys=False) + "\n")
    _write(md_path, markdown(results))
    return json_path, md_path
