#!/usr/bin/env python3
"""make bench: the project's figures beside their references, measured in the same run, on this machine.

Not a test: it prints, and never fails on time. Each figure is min / median / max over --rounds interleaved rounds
(the reference and the service alternate, so a busy moment hurts both), with the service's CPU seconds and peak RSS.
Sections (--only): tokenize (1M rows × 2 columns per scheme vs one in-database UPDATE; idempotent re-runs vs a
scan), consumer (an MCL backlog vs a bare librdkafka consumer), latency (tag → SUCCESS on 1,000 rows), latency-backlog (the same behind a burst of --backlog MCLs), startup,
tokens (CPU per token of each in-service scheme, and one batch's decisions on one core vs every core: token-bench),
erasure (--erasure-subjects people erased from five --rows tables through POST /erasures vs hand-written DELETEs).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "standins", "datahub"))
import consumer_bench  # noqa: E402
import erasure_bench  # noqa: E402
from measure import Measured, child, free_port_url, ready, spread  # noqa: E402
from harness import Stack, http, wait_for  # noqa: E402
import driver  # noqa: E402


class Bench:
    def __init__(self, args):
        self.args = args
        self.stack = Stack()
        self.datahub = driver.Env(argparse.Namespace(
            gms=self.stack.gms, token=os.environ.get("DATAHUB_TOKEN"), service=None, psql=f"psql -h 127.0.0.1 -p {self.stack.pg_port} -U postgres",
            database="shop", kafka_bootstrap=self.stack.kafka, topic=self.stack.topic, timeout=300, scheme="hmac",
            keys_file=os.environ["TOKEN_KEYS_FILE"], detokenize=None, dbx_host=None, dbx_token=None, dbx_warehouse=None,
            unconfigured_run=None, binary=args.binary))
        self.key_id, self.secret = driver.newest_key(os.environ["TOKEN_KEYS_FILE"])
        self.rows = []  # (what, service figures, reference name, reference figures)

    def report(self, what, measured, reference=None, reference_measured=None):
        self.rows.append((what, measured, reference, reference_measured))
        print(f"   {what}: {spread(measured.seconds)} s" + (f"  |  {reference}: {spread(reference_measured.seconds)} s" if reference else ""), flush=True)

    # --- tokenize ---------------------------------------------------------------------------------------------
    def table(self, name, rows):
        self.stack.sql(f"DROP TABLE IF EXISTS public.{name}")
        self.stack.sql(f"CREATE TABLE public.{name} (id bigint PRIMARY KEY, email text, phone text)")
        self.stack.sql(f"INSERT INTO public.{name} SELECT g, 'user' || g || '@example.com', '+44 20 ' || (7000000 + g) "
                       f"FROM generate_series(1, {rows}) g")
        self.stack.sql(f"VACUUM ANALYZE public.{name}")
        return self.datahub.register_dataset(name)

    def reference_update(self, name):
        inner = bytes(b ^ 0x36 for b in self.secret.ljust(64, b"\0")).hex()
        outer = bytes(b ^ 0x5C for b in self.secret.ljust(64, b"\0")).hex()
        token = lambda column: (f"'tkh_{self.key_id}_' || rtrim(translate(encode(sha256(k.o || sha256(k.i || convert_to({column}, 'UTF8'))), "  # noqa: E731
                                "'base64'), '+/', '-_'), '=')")
        started = time.time()
        self.stack.sql(f"UPDATE public.{name} SET email = {token('email')}, phone = {token('phone')} "
                       f"FROM (SELECT '\\x{outer}'::bytea AS o, '\\x{inner}'::bytea AS i) k")
        return time.time() - started

    def scan(self, name):
        started = time.time()
        self.stack.sql(f"SELECT count(email), count(phone) FROM public.{name}")
        return time.time() - started

    def service_run(self, urn, scheme):
        env = dict(os.environ, TOKEN_SCHEME=scheme, LOG_LEVEL="warning")
        result = child([self.args.binary, "run", "--dataset", urn, "--columns", "email", "phone"], env)
        if result.returncode != 0 or json.loads(result.stdout).get("status") != "SUCCESS":
            raise RuntimeError(f"run on {urn} did not succeed: {result.stdout[-500:]} {result.stderr[-500:]}")
        return result

    def cli_rerun(self, name, urn, scheme, pairs=5):
        """A re-run as a new `tokenize-action run` process, `pairs` times: a `count` scan, then a timed re-run, so both
        meet the same moment of the machine (one process alone is too noisy at ~0.15 s). Returns the re-run whose time
        is the median (its CPU and RSS with it) and the median scan."""
        reruns, scans = [], []
        for _ in range(pairs):
            scans.append(self.scan(name))
            reruns.append(self.service_run(urn, scheme))
        reruns.sort(key=lambda result: result.seconds)
        return reruns[len(reruns) // 2], statistics.median(scans)

    def service_rerun(self, name, urn, scheme, pairs=5):
        """A re-run as a running service does it: `POST /trigger?wait=true` answers once the run is SUCCESS and written
        back. The first request warms the service (its connections, the tags it checks once). Then `pairs` times: a
        `count` scan, then a timed re-run, so both meet the same moment of the machine. Returns the medians of the
        re-runs and of their scans (one request alone is too noisy at ~0.1 s)."""
        process, url, _ = self.serve(TOKEN_SCHEME=scheme)
        headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
        try:
            reruns, scans = [], []
            for index in range(1 + pairs):
                if index > 0:
                    scans.append(self.scan(name))
                started = time.time()
                status, body = http("POST", f"{url}/trigger?wait=true", body={"dataset": urn, "columns": ["email", "phone"]}, headers=headers)
                if index > 0:
                    reruns.append(time.time() - started)
                if status != 200 or body.get("status") != "SUCCESS" or body.get("rows_updated") != 0:
                    raise RuntimeError(f"re-run of {urn} through the service did not succeed with 0 rows: {status} {str(body)[:500]}")
            return statistics.median(reruns), statistics.median(scans)
        finally:
            process.terminate()
            process.wait(60)

    def tokenize(self):
        rows = self.args.rows
        print(f"tokenize: {rows:,} rows × 2 columns, {self.args.rounds} rounds", flush=True)
        reference = Measured()
        runs = {scheme: Measured() for scheme in self.args.schemes}
        reruns = {scheme: Measured() for scheme in self.args.schemes}
        rerun_refs = {scheme: Measured() for scheme in self.args.schemes}
        service_reruns = {scheme: Measured() for scheme in self.args.schemes}
        service_rerun_refs = {scheme: Measured() for scheme in self.args.schemes}
        for round_ in range(self.args.rounds):
            name = f"bench_ref_{round_}"
            self.table(name, rows)
            reference.add(self.reference_update(name))
            self.stack.sql(f"DROP TABLE public.{name}")
            for scheme in self.args.schemes:
                name = f"bench_{scheme}_{round_}"
                urn = self.table(name, rows)
                runs[scheme].add_child(self.service_run(urn, scheme))
                rerun, scan = self.cli_rerun(name, urn, scheme)
                reruns[scheme].add_child(rerun)
                rerun_refs[scheme].add(scan)
                rerun, scan = self.service_rerun(name, urn, scheme)
                service_reruns[scheme].add(rerun)
                service_rerun_refs[scheme].add(scan)
                self.stack.sql(f"DROP TABLE public.{name}")
            print(f"   round {round_ + 1} done", flush=True)
        for scheme in self.args.schemes:
            kind = "push-down" if scheme in ("hmac", "poc") else "in the service"
            self.report(f"tokenize {rows:,} rows, {scheme} ({kind})", runs[scheme], "one UPDATE with the hmac expression", reference)
        for scheme in self.args.schemes:
            self.report(f"idempotent re-run, {scheme} (`tokenize-action run`, a new process, median of 5 per round)", reruns[scheme],
                        "SELECT count() scan of the 2 columns, just before each", rerun_refs[scheme])
        for scheme in self.args.schemes:
            self.report(f"idempotent re-run, {scheme} (running service, `POST /trigger?wait=true`, median of 5 per round)",
                        service_reruns[scheme], "SELECT count() scan of the 2 columns, just before each", service_rerun_refs[scheme])

    # --- latency and start-up ------------------------------------------------------------------------------------
    def serve(self, **overrides):
        url, port = free_port_url()
        env = dict(os.environ, HTTP_PORT=str(port), LOG_LEVEL="warning", KAFKA_GROUP_ID=f"bench-{time.time_ns()}",
                   KAFKA_AUTO_OFFSET_RESET="latest", RECONCILE_INTERVAL="off", **{k: str(v) for k, v in overrides.items()})
        import subprocess
        started = time.time()
        process = subprocess.Popen([self.args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("readyz", lambda: ready(url) or process.poll() is not None, timeout=60, interval=0.02)
        if process.poll() is not None:
            raise RuntimeError(f"tokenize-action serve exited with {process.returncode}")
        return process, url, time.time() - started

    def latency(self):
        print(f"latency: tag → SUCCESS on 1,000 rows, {self.args.latency_rounds} tags", flush=True)
        process, url, _ = self.serve()
        headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
        measured = Measured()
        try:
            time.sleep(3)  # the consumer joins its group (latest offsets)
            for round_ in range(self.args.latency_rounds):
                name = f"bench_latency_{round_}"
                urn = self.table(name, 1000)
                started = time.time()
                self.datahub.add_tag(urn, "tokenize/run")

                def done():
                    runs = http("GET", f"{url}/runs?dataset={urlquote(urn)}", headers=headers)[1].get("runs", [])
                    return any(r["status"] == "SUCCESS" and r["write_back"]["state"] == "done" for r in runs)
                wait_for("SUCCESS", done, timeout=120, interval=0.02)
                measured.add(time.time() - started)
                self.stack.sql(f"DROP TABLE public.{name}")
        finally:
            process.terminate()
            process.wait(60)
        self.report("tag → SUCCESS (written back), 1,000 rows", measured)

    def latency_backlog(self):
        """Tag → SUCCESS when the tag's MCL lands right behind an ingestion burst of --backlog irrelevant MCLs: the
        service consumes the benchmark topic (17 partitions), the burst is produced, then the trigger (keyed by its URN,
        as GMS keys it), and the clock runs from the trigger's hand-over to a producer to the SUCCESS written back."""
        import consumer_bench
        from harness import produce
        bootstrap, topic = self.args.bench_kafka, self.args.bench_topic
        if not bootstrap:
            print("latency-backlog: skipped (no --bench-kafka)")
            return
        rounds = max(1, self.args.rounds)
        print(f"latency-backlog: tag → SUCCESS behind a burst of {self.args.backlog:,} MCLs, {rounds} rounds", flush=True)
        burst = consumer_bench.backlog(self.args.backlog, seed=11)
        process, url, _ = self.serve(KAFKA_BOOTSTRAP_SERVERS=bootstrap, KAFKA_MCL_TOPIC=topic)
        headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
        measured = Measured()
        try:
            time.sleep(6)  # the consumer joins its group (latest offsets)
            for round_ in range(rounds):
                name = f"bench_backlog_latency_{round_}"
                urn = self.table(name, 1000)
                self.datahub.add_tag(urn, "tokenize/run")  # DataHub carries the tag (its own MCL goes to the stack's topic)
                before = consumer_count = consumer_bench.consumed_count(url)
                produce(bootstrap, topic, burst, compression_type="snappy", linger_ms=50, batch_size=1_000_000)
                # The clock starts when the trigger is handed to a producer: at this pace the run can be done before
                # the producer's flush returns, which the delivery time would not count.
                started = time.time()
                produce(bootstrap, topic, [consumer_bench.trigger_mcl(urn)])
                behind = self.args.backlog - (consumer_bench.consumed_count(url) - before)

                def done():
                    runs = http("GET", f"{url}/runs?dataset={urlquote(urn)}", headers=headers)[1].get("runs", [])
                    return any(r["status"] == "SUCCESS" and r["write_back"]["state"] == "done" for r in runs)
                wait_for("SUCCESS", done, timeout=300, interval=0.02)
                measured.add(time.time() - started)
                print(f"   round {round_ + 1}: {measured.seconds[-1]:.2f} s ({behind:,.0f} burst messages not yet consumed when the "
                      f"trigger was delivered; {consumer_count:,.0f} consumed before the burst)", flush=True)
                self.stack.sql(f"DROP TABLE public.{name}")
        finally:
            process.terminate()
            process.wait(60)
        self.report(f"tag → SUCCESS (written back), 1,000 rows, behind a burst of {self.args.backlog:,} MCLs", measured)

    def startup(self):
        print(f"startup: exec → /readyz 200, {self.args.rounds} rounds", flush=True)
        measured = Measured()
        for _ in range(self.args.rounds):
            process, _, seconds = self.serve()
            measured.add(seconds)
            process.terminate()
            process.wait(60)
        self.report("start-up to ready", measured)

    # --- tokens: the schemes' CPU per token (Sources/token-bench) -------------------------------------------------
    def tokens(self):
        import subprocess
        output = subprocess.run([self.args.token_bench, str(self.args.token_values), str(self.args.rounds)],
                                check=True, capture_output=True, text=True).stdout
        per_value, batches = {}, {}
        for line in output.splitlines():
            record = json.loads(line)
            if "cpu_us_per_value" in record:
                per_value.setdefault(record["bench"], []).append(record["cpu_us_per_value"])
            else:
                batches.setdefault(record["bench"], []).append((record["serial_s"], record["parallel_s"], record["threads"]))
        self.token_rows = (per_value, batches)

    def token_lines(self):
        per_value, batches = getattr(self, "token_rows", ({}, {}))
        lines = []
        if per_value:
            lines += ["", f"| CPU per value, one thread ({self.args.token_values:,} values) | µs (min / median / max) |", "| --- | --- |"]
            lines += [f"| {name} | {spread(values)} |" for name, values in per_value.items()]
        if batches:
            lines += ["", "| One batch's cell decisions | one core, ms (median) | every core, ms (median) | speed-up |", "| --- | --- | --- | --- |"]
            for name, rounds in batches.items():
                serial = statistics.median(r[0] for r in rounds) * 1000
                parallel = statistics.median(r[1] for r in rounds) * 1000
                lines.append(f"| {name} ({rounds[0][2]} threads) | {serial:.1f} | {parallel:.1f} | {serial / parallel:.2f}× |")
        return lines

    def table_lines(self):
        lines = ["", "| What | tokenize-action (min / median / max) | CPU s (median) | peak RSS MiB (max) | Reference, same run | Ratio (medians) |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for what, measured, reference, ref in self.rows:
            ratio = f"{statistics.median(measured.seconds) / statistics.median(ref.seconds):.2f}×" if ref else "—"
            reference_text = f"{reference}: {spread(ref.seconds)} s" if ref else "—"
            if isinstance(measured, consumer_bench.Rate):
                lines.append(measured.row(what, reference, ref))
                continue
            lines.append(f"| {what} | {spread(measured.seconds)} s | {measured.cpu_text()} | {measured.rss_text()} | {reference_text} | {ratio} |")
        return lines


BEGIN = "<!-- make bench writes from here -->"
END = "<!-- to here -->"


def write_figures(path, heading, lines):
    """Replaces the figures between the markers of `path` (docs/performance.md) with this run's."""
    text = open(path).read()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path} has no `{BEGIN}` … `{END}` markers")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    open(path, "w").write(before + BEGIN + "\n" + heading + "\n" + "\n".join(lines) + "\n" + END + after)
    print(f"\nwrote these figures to {path}")


def revision():
    """The commit measured, marked when the work tree differs from it."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with local changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def urlquote(text):
    import urllib.parse
    return urllib.parse.quote(text, safe="")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the tokenize-action executable (a release build)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--schemes", default="hmac,siv,ff1")
    parser.add_argument("--backlog", type=int, default=100_000, help="MCL messages in the consumer backlog")
    parser.add_argument("--bench-kafka", help="bootstrap of a broker holding the benchmark topic (scripts/bench.sh starts one)")
    parser.add_argument("--bench-topic", default="bench-mcl")
    parser.add_argument("--latency-rounds", type=int, default=9)
    parser.add_argument("--only", default="tokenize,consumer,latency,latency-backlog,startup,tokens,erasure")
    parser.add_argument("--erasure-subjects", type=int, default=1_000, help="people erased per round in the erasure section")
    parser.add_argument("--actions-python", help="python of a venv with acryl-datahub-actions (scripts/bench.sh makes .tools/actions-venv)")
    parser.add_argument("--token-bench", help="the token-bench executable (a release build); default: beside --binary")
    parser.add_argument("--write", help="write the figures into this file's marked section (docs/performance.md) after a full run")
    parser.add_argument("--machine", help="the machine, as the figures' heading names it")
    parser.add_argument("--token-values", type=int, default=200_000, help="values per round of the per-token benchmark")
    args = parser.parse_args()
    args.schemes = args.schemes.split(",")
    started, commit = datetime.date.today(), revision()
    args.token_bench = args.token_bench or os.path.join(os.path.dirname(args.binary), "token-bench")
    bench = Bench(args)
    for section in args.only.split(","):
        if section == "consumer":
            consumer_bench.run(bench)
        elif section == "erasure":
            erasure_bench.run(bench)
        else:
            getattr(bench, section.replace("-", "_"))()
    lines = bench.table_lines() + bench.token_lines()
    print("\n".join(lines))
    if args.write:
        every = set(parser.get_default("only").split(","))
        if set(args.only.split(",")) != every or args.rows != parser.get_default("rows"):
            print(f"\n{args.write} unchanged: it shows a run of every section at the default size ({args.rows:,} rows, --only {args.only})")
            return
        heading = (f"Measured {started:%Y-%m-%d} on commit `{commit}`, {args.machine or 'this machine'}: "
                   f"`make bench` (`--rounds {args.rounds}`).")
        write_figures(args.write, heading, lines)


if __name__ == "__main__":
    main()
