#!/usr/bin/env python3
"""Fault tests: a request to tokenize is never lost, whatever fails around it.

Runs against the local stack (source .stack/env) with its own service processes, which it starts, kills (-9),
stops (SIGTERM), and points at faults: the schema registry and GMS answering 503 or refusing connections,
PostgreSQL restarted mid-run, triggers Kafka never delivers, poison messages, two replicas on one dataset. Every
tokenized value is checked against its original with an independent oracle (e2e/oracle.py). Each scenario prints
its counts and PASS/FAIL; exit status 1 when one failed.
"""
import argparse
import base64
import io
import json
import os
import random
import struct
import subprocess
import sys
import time
import traceback
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "standins", "datahub"))
import driver  # noqa: E402
import erasure_faults  # noqa: E402
import hostile_faults  # noqa: E402
import oracle  # noqa: E402
import progress_scenarios  # noqa: E402
from harness import Failure, Service, Stack, expect, retained_messages, http, produce, wait_for  # noqa: E402


class Faults:
    def __init__(self, args):
        self.args = args
        self.stack = Stack()
        self.rows = args.rows
        self.binary = args.binary
        self.log_dir = args.log_dir
        self.datahub = driver.Env(types.SimpleNamespace(
            gms=self.stack.gms, token=os.environ.get("DATAHUB_TOKEN"), service=None, psql=f"psql -h 127.0.0.1 -p {self.stack.pg_port} -U postgres", database="shop",
            kafka_bootstrap=self.stack.kafka, topic=self.stack.topic, timeout=120, scheme="hmac", keys_file=os.environ["TOKEN_KEYS_FILE"],
            detokenize=None, dbx_host=None, dbx_token=None, dbx_warehouse=None, unconfigured_run=None, binary=self.binary))
        self.key_id, self.secret = driver.newest_key(os.environ["TOKEN_KEYS_FILE"])
        self.prefix = f"f{int(time.time()) % 100000}"
        self.services = []

    # --- services ---------------------------------------------------------------------------------------
    def service(self, name, **overrides):
        overrides.setdefault("KAFKA_GROUP_ID", f"{self.prefix}-{name}")
        service = Service(self.binary, self.log_dir, f"{self.prefix}-{name}", **overrides)
        self.services.append(service)
        return service

    def stop_all(self):
        for service in self.services:
            try:
                service.stop()
            except Failure:
                service.kill9()

    # --- data ---------------------------------------------------------------------------------------------
    @staticmethod
    def original(id_):
        return f"+44 20 {7_000_000 + id_}"

    def table(self, name, scheme, rows=None):
        """A table of `rows` phone numbers, catalogued in DataHub with `tokenize/scheme:<scheme>` on the field."""
        rows = rows or self.rows
        table = f"{self.prefix}_{name}"
        self.stack.sql(f"CREATE TABLE public.{table} (id bigint PRIMARY KEY, phone text)")
        self.stack.sql(f"INSERT INTO public.{table} SELECT g, '+44 20 ' || (7000000 + g) FROM generate_series(1, {rows}) g")
        urn = self.datahub.register_dataset(table)
        self.datahub.add_tag(urn, f"tokenize/scheme:{scheme}", field="phone")
        return table, urn

    def trigger(self, urn):
        self.datahub.add_tag(urn, "tokenize/run", field="phone")

    def check_values(self, table, scheme, rows=None):
        """(plaintext values left, values that are not the token of their original)."""
        rows = rows or self.rows
        plaintext = wrong = 0
        for id_, value in self.stack.sql(f"SELECT id, phone FROM public.{table}"):
            original = self.original(int(id_))
            if value == original:
                plaintext += 1
            elif value != oracle.token(scheme, original, self.key_id, self.secret):
                wrong += 1
        return plaintext, wrong

    def final_run(self, urn, timeout=180):
        """Waits for the dataset's one run to be SUCCESS with its write-back done; returns it."""
        def done():
            runs = [r for r in self.stack.runs(urn) if r["status"] != "COALESCED"]
            return runs if runs and all(r["status"] not in ("QUEUED", "RUNNING") and r["writeback"] != "pending" for r in runs) else None
        try:
            runs = wait_for(f"the run on {urn}", done, timeout=timeout, interval=0.5)
        except Failure as failure:
            raise Failure(f"{failure}; the ledger has: {self.ledger_rows(urn)}") from None
        # A trigger may be recorded twice (Kafka and reconciliation): then one run does the work and the later one
        # finds the tag gone (STALE), touching nothing.
        working = [r for r in runs if r["status"] != "STALE"]
        expect(len(working) == 1, f"expected one run, the ledger has {len(working)} besides STALE ones: {runs}")
        expect(working[0]["status"] == "SUCCESS" and working[0]["writeback"] == "done", f"run not written back as SUCCESS: {working[0]}")
        return working[0]

    def ledger_rows(self, urn):
        """The dataset's ledger rows in words: whether its attempt is stuck or waits for a retry, and why."""
        rows = self.stack.state(
            "SELECT status, attempts, batches, writeback_state, to_char(updated_at, 'HH24:MI:SS'), to_char(next_attempt_at, 'HH24:MI:SS'), "
            f"left(replace(details, E'\\n', ' '), 300) FROM tokenize_action.runs WHERE dataset = '{urn}' ORDER BY created_at")
        return [dict(zip(["status", "attempts", "batches", "writeback", "updated", "next_attempt", "details"], row)) for row in rows]

    def check_datahub(self, urn, run_id):
        dataset = self.datahub.dataset(urn)
        tags = self.datahub.field_tags(dataset, "phone")
        expect("urn:li:tag:tokenize/run" not in tags and {"urn:li:tag:tokenize/done", "urn:li:tag:tokenize/status:SUCCESS"} <= tags,
               f"field tags not flipped: {sorted(tags)}")
        last = self.datahub.last_run(dataset)
        expect(last and last["run_id"] == run_id and last["status"] == "SUCCESS", f"last_tokenization_run is not the run: {last}")
        doc = dataset["editableProperties"]["description"]
        expect(doc.count("<!-- tokenize-action:begin -->") == 1 and run_id in doc, "the documentation section is missing or repeated")

    def wait_running(self, urn, batches=1, timeout=60):
        def running():
            rows = self.stack.state(f"SELECT status, batches FROM tokenize_action.runs WHERE dataset = '{urn}' AND status <> 'COALESCED'")
            return rows and (rows[0][0] == "RUNNING" and int(rows[0][1]) >= batches or rows[0][0] == "SUCCESS")
        wait_for(f"a running run on {urn}", running, timeout=timeout, interval=0.05)

    def batches(self, urn):
        rows = self.stack.state(f"SELECT batches FROM tokenize_action.runs WHERE dataset = '{urn}' AND status <> 'COALESCED'")
        return int(rows[0][0]) if rows else 0

    def open_run(self, urn):
        return any(r["status"] in ("QUEUED", "RUNNING") for r in self.stack.runs(urn))

    def dead_letter_count(self, topic=None):
        where = f"WHERE topic = '{topic}'" if topic else ""
        return int(self.stack.state(f"SELECT count(*) FROM tokenize_action.dead_letters {where}")[0][0])

    # --- scenarios --------------------------------------------------------------------------------------------
    def kill_loop(self, scheme, kills=10):
        """kill -9 at random points of a run, `kills` times: no plaintext left, no value tokenized twice, one
        ledger run, SUCCESS, DataHub flipped once."""
        # Small batches (100 rows in 200,000): a release build tokenizes a life's worth of them between two polls of the
        # ledger, and each of the kills must still land inside the run.
        settings = {"POSTGRES_BATCH_SIZE": max(50, self.rows // 2000), "LOG_LEVEL": "notice"}
        service = self.service(f"kill-{scheme}", **settings).start()
        table, urn = self.table(f"kill_{scheme}", scheme)
        self.trigger(urn)
        self.wait_running(urn)
        during_run = 0
        for _ in range(kills):
            # Each kill lands in the run: after this process committed at least one more batch, at a random point.
            batches = self.batches(urn)
            wait_for("another batch", lambda: self.batches(urn) > batches or not self.open_run(urn), timeout=120, interval=0.02)
            time.sleep(random.uniform(0, 0.03))
            open_before = self.open_run(urn)
            service.kill9()
            during_run += int(open_before)
            service.start(wait=None)  # the next kill waits for the restarted process's first batch instead
        wait_for("the service", service.answers, timeout=60)
        run = self.final_run(urn)
        plaintext, wrong = self.check_values(table, scheme)
        attempts = int(run["attempts"])
        print(f"   kill -9 {scheme}: {kills} kills ({during_run} during the run), {attempts} attempts; {self.rows} rows: "
              f"{plaintext} plaintext left, {wrong} not the token of their original; ledger: 1 run, {run['status']}, "
              f"rows_updated {run['rows_updated']}")
        expect(plaintext == 0 and wrong == 0, "values were left in plaintext or tokenized twice")
        expect(during_run == kills, f"only {during_run} of {kills} kills landed during the run")
        expect(int(run["rows_updated"]) == self.rows, f"rows_updated {run['rows_updated']} != {self.rows}")
        self.check_datahub(urn, run["run_id"])
        service.stop()

    def registry_down(self):
        """The registry answers 503, then refuses connections, for 15 s around a trigger: the run happens after."""
        dead_before = self.dead_letter_count()
        table, urn = self.table("registry", "hmac", rows=100)
        outage_start = time.time()
        self.stack.faults(status=503, seconds=7, paths=["/schema-registry"])
        service = self.service("registry", RECONCILE_INTERVAL="off").start()  # a new process: no writer schema cached
        self.trigger(urn)
        time.sleep(max(0.0, outage_start + 7 - time.time()))
        self.stack.refuse_gms(8)
        run = self.final_run(urn, timeout=120)
        recorded = float(self.stack.state(f"SELECT extract(epoch FROM created_at) FROM tokenize_action.runs WHERE run_id = '{run['run_id']}'")[0][0])
        retries = service.metric("tokenize_mcl_retries_total")
        print(f"   registry 503 for 7 s then refused for 8 s: the trigger was recorded {recorded - outage_start:.1f}s after the outage began, "
              f"run SUCCESS; {int(retries)} handler retries; {self.dead_letter_count() - dead_before} dead letters")
        expect(recorded - outage_start >= 15, "the trigger was recorded during the outage?")
        expect(self.stack.runs(urn)[0]["source"] == "kafka", "the trigger did not come from Kafka")
        expect(retries > 0, "the handler never had to wait for the registry")
        expect(self.dead_letter_count() == dead_before, "a message was dead-lettered while the registry was down")
        expect(self.check_values(table, "hmac", rows=100) == (0, 0), "values not tokenized")
        service.stop()

    def writeback_unavailable(self, kill):
        """GMS answers 503 to the service's mutations for 20 s as the run ends: DataHub ends SUCCESS with the doc and the
        property written (also when the service is killed in that window)."""
        service = self.service(f"writeback-{'kill' if kill else 'wait'}").start()
        table, urn = self.table(f"writeback_{int(kill)}", "hmac", rows=1000)
        self.stack.faults(status=503, seconds=20, paths=["/api/graphql"], graphql="mutations", operations="tokenize")
        self.trigger(urn)
        wait_for("a pending write-back", lambda: any(r["writeback"] == "pending" for r in self.stack.runs(urn)), timeout=30)
        expect("urn:li:tag:tokenize/run" in self.datahub.field_tags(self.datahub.dataset(urn), "phone"), "flipped during the outage?")
        if kill:
            service.kill9()
            service.start()
        run = self.final_run(urn, timeout=90)
        attempts = self.stack.state(f"SELECT writeback_attempts FROM tokenize_action.runs WHERE run_id = '{run['run_id']}'")[0][0]
        print(f"   GMS 503 on mutations for 20 s{' and kill -9 in that window' if kill else ''}: write-back done after {attempts} attempts")
        self.check_datahub(urn, run["run_id"])
        service.stop()

    def postgres_restart(self, restarts=3):
        """PostgreSQL restarted `restarts` times in the middle of a run, each time after the run committed more
        batches, at a random point: the run resumes each time and completes, its count exact."""
        service = self.service("pgrestart", POSTGRES_BATCH_SIZE=max(100, self.rows // 50)).start()
        table, urn = self.table("pgrestart", "siv")
        self.trigger(urn)
        self.wait_running(urn, batches=3)
        during_run = 0
        for _ in range(restarts):
            batches = self.batches(urn)
            wait_for("more batches", lambda: self.batches(urn) >= batches + 3 or not self.open_run(urn), timeout=120, interval=0.02)
            time.sleep(random.uniform(0, 0.05))
            during_run += int(self.open_run(urn))
            self.stack.restart_postgres()
        run = self.final_run(urn, timeout=180)
        plaintext, wrong = self.check_values(table, "siv")
        print(f"   PostgreSQL restarted {restarts} times ({during_run} during the run): {run['status']} after {run['attempts']} attempts, "
              f"rows_updated {run['rows_updated']}; {plaintext} plaintext, {wrong} wrong")
        expect(plaintext == 0 and wrong == 0 and int(run["rows_updated"]) == self.rows, "the resumed run is not exact")
        expect(during_run == restarts, f"only {during_run} of {restarts} restarts landed during the run")
        service.stop()

    def two_processes(self, same_group):
        """Two replicas triggered for the same dataset at once: exactly one runs the batches."""
        group = f"{self.prefix}-pair-{int(same_group)}"
        rows = max(2000, self.rows // 20)
        batch = {"POSTGRES_BATCH_SIZE": max(100, rows // 10)}
        first = self.service(f"pair{int(same_group)}-a", KAFKA_GROUP_ID=group, **batch).start()
        second = self.service(f"pair{int(same_group)}-b", KAFKA_GROUP_ID=group if same_group else group + "-other", **batch).start()
        table, urn = self.table(f"pair_{int(same_group)}", "ff1", rows=rows)
        offset = self.stack.log_offset()
        self.trigger(urn)
        run = self.final_run(urn, timeout=120)
        counts = self.stack.statements_since(offset, f'UPDATE "public"."{table}"')
        plaintext, wrong = self.check_values(table, "ff1", rows=rows)
        print(f"   two replicas ({'same' if same_group else 'different'} group ids): UPDATE statements by process {sorted(counts.values())}; "
              f"{len(self.stack.runs(urn))} ledger rows; {plaintext} plaintext, {wrong} tokenized twice")
        expect(len(counts) == 1, f"more than one process ran batches: {counts}")
        expect(plaintext == 0 and wrong == 0, "values wrong")
        first.stop()
        second.stop()

    def sigterm_handover(self):
        """SIGTERM to the replica running a run (grace 1 s): it stops at a batch boundary, the other replica resumes;
        every batch runs once, no value is tokenized twice."""
        group = f"{self.prefix}-handover"
        settings = {"KAFKA_GROUP_ID": group, "SHUTDOWN_GRACE_SECONDS": 1, "POSTGRES_BATCH_SIZE": max(100, self.rows // 100)}
        replicas = [self.service("handover-a", **settings).start(), self.service("handover-b", **settings).start()]
        table, urn = self.table("handover", "ff1")
        offset = self.stack.log_offset()
        self.trigger(urn)
        self.wait_running(urn, batches=5)
        owner = self.stack.runs(urn)[0]["owner"] or ""
        running = next((r for r in replicas if f"/{r.pid}/" in owner), None)
        expect(running is not None, f"cannot tell which replica runs it (owner {owner})")
        running.terminate(timeout=30)
        run = self.final_run(urn, timeout=240)
        counts = self.stack.statements_since(offset, f'UPDATE "public"."{table}"')
        batches = int(self.stack.state(f"SELECT batches FROM tokenize_action.runs WHERE run_id = '{run['run_id']}'")[0][0])
        plaintext, wrong = self.check_values(table, "ff1")
        print(f"   SIGTERM hand-over: UPDATE statements by process {sorted(counts.values())} for {batches} batches; "
              f"{plaintext} plaintext, {wrong} tokenized twice")
        expect(len(counts) == 2 and sum(counts.values()) == batches, "batches were not split between the replicas exactly once each")
        expect(plaintext == 0 and wrong == 0, "values wrong")
        for replica in replicas:
            replica.stop()

    def lost_trigger(self):
        """A trigger added while the service is down, which Kafka then never delivers (a new group reading from the
        latest offset): reconciliation finds it within one interval."""
        table, urn = self.table("lost", "hmac", rows=100)
        self.trigger(urn)  # no service is running
        service = self.service("lost", KAFKA_AUTO_OFFSET_RESET="latest", RECONCILE_INTERVAL="5s")
        started = time.time()
        service.start()
        run = self.final_run(urn, timeout=60)
        source = self.stack.runs(urn)[0]["source"]
        print(f"   trigger never delivered by Kafka: run SUCCESS with source {source}, {time.time() - started:.1f}s after start (interval 5 s)")
        expect(source == "reconcile", f"the run came from {source}, not reconciliation")
        expect(self.check_values(table, "hmac", rows=100) == (0, 0), "values not tokenized")
        service.stop()

    @staticmethod
    def mcl(schema_id, urn, aspect_name, aspect, previous=None):
        """An MCL as GMS writes it (the stand-in's layout for the current schema)."""
        import fastavro
        from mcl_schemas import CURRENT
        now = int(time.time() * 1000)
        system = {"lastObserved": now, "runId": "no-run-id-provided", "lastRunId": "no-run-id-provided", "pipelineName": None,
                  "registryName": None, "registryVersion": None, "properties": None, "version": "1", "schemaVersion": None,
                  "aspectCreated": None, "aspectModified": None}
        generic = lambda value: None if value is None else {"value": value, "contentType": "application/json"}  # noqa: E731
        record = {"auditHeader": None, "entityType": "dataset", "entityUrn": urn, "entityKeyAspect": None, "changeType": "UPSERT",
                  "aspectName": aspect_name, "aspect": generic(aspect), "systemMetadata": system, "headers": None,
                  "previousAspectValue": generic(previous), "previousSystemMetadata": None,
                  "created": {"time": now, "actor": "urn:li:corpuser:faults", "impersonator": None, "message": None}}
        buffer = io.BytesIO()
        buffer.write(b"\x00" + struct.pack(">I", schema_id))
        fastavro.schemaless_writer(buffer, fastavro.parse_schema(CURRENT), record)
        return buffer.getvalue()

    def poison_and_replay(self):
        """Poison messages land in the dead-letter table with their reason; one is replayed once its schema is known."""
        table, urn = self.table("poison", "hmac", rows=10)
        # The trigger tag really is on the dataset; the only message that says so is one the registry cannot decode
        # yet (the real one is skipped: the service reads from the latest offset, reconciliation off).
        self.datahub.add_tag(urn, "tokenize/run")
        service = self.service("poison", KAFKA_AUTO_OFFSET_RESET="latest", RECONCILE_INTERVAL="off").start()
        wait_for("a partition assignment", lambda: service.metric("tokenize_kafka_assigned_partitions") >= 1, timeout=30)
        trigger_json = json.dumps({"tags": [{"tag": "urn:li:tag:tokenize/run"}]}).encode()
        unknown_id = 7000 + random.randint(0, 999)
        dead_before = self.dead_letter_count()
        valid = self.mcl(19, urn, "globalTags", trigger_json)
        produce(self.stack.kafka, self.stack.topic, [
            b"not confluent framed",
            struct.pack(">bI", 0, unknown_id) + valid[5:],  # a valid trigger under a schema id the registry does not know
            valid[:5] + b"\x02\xff\xff\xff\xff\x0f",  # corrupt Avro
            self.mcl(19, urn, "globalTags", trigger_json[:-3]),  # aspect JSON cut short
        ])
        wait_for("four dead letters", lambda: self.dead_letter_count() >= dead_before + 4, timeout=60)
        letters = self.stack.state("SELECT id, reason_code FROM tokenize_action.dead_letters ORDER BY id DESC LIMIT 4")
        reasons = sorted(code for _, code in letters)
        print(f"   poison messages dead-lettered with reasons {reasons}")
        expect(reasons == ["aspect_not_json", "avro_body", "not_confluent_framed", "unknown_schema"], f"reasons {reasons}")
        expect(not self.stack.runs(urn), "a poison message started a run")
        from mcl_schemas import CURRENT
        expect(http("POST", f"{self.stack.gms}/standin/schemas", {"id": unknown_id, "schema": CURRENT})[0] == 200, "cannot register the schema")
        unknown = next(id_ for id_, code in letters if code == "unknown_schema")
        listed = subprocess.run([self.binary, "dlq", "list"], capture_output=True, text=True, env=service.env)
        expect(listed.returncode == 0 and "unknown_schema" in listed.stdout, f"dlq list: {listed.stderr[-300:]}")
        replayed = subprocess.run([self.binary, "dlq", "replay", unknown], capture_output=True, text=True, env=service.env)
        print(f"   dlq replay {unknown}: {replayed.stdout.strip()}")
        expect(replayed.returncode == 0 and replayed.stdout.startswith("recorded: run"), f"replay failed: {replayed.stderr[-500:]}")
        run = self.final_run(urn, timeout=60)
        expect(run["source"] == "kafka", f"the run came from {run['source']}")
        expect(self.check_values(table, "hmac", rows=10) == (0, 0), "the replayed trigger did not tokenize")
        service.stop()

    def inflated_lengths(self, messages):
        """Messages declaring huge Avro lengths cost no memory: RSS stays within 20 MB while `messages` are handled."""
        topic = f"{self.prefix}-inflated"
        service = self.service("inflated", KAFKA_MCL_TOPIC=topic, LOG_LEVEL="critical").start()

        def inflated(i):
            length = (1 << 40) + i  # zig-zag varint of a string length far beyond the message
            zigzag, varint = length << 1, b""
            while zigzag >= 0x80:
                varint += bytes([zigzag & 0x7F | 0x80])
                zigzag >>= 7
            return b"\x00" + struct.pack(">I", 19) + b"\x00" + varint + bytes([zigzag]) + b"dataset"

        produce(self.stack.kafka, topic, [inflated(i) for i in range(1000)])
        wait_for("the warm-up", lambda: self.dead_letter_count(topic) >= 1000, timeout=120, interval=1)
        before = service.rss_kib()
        produce(self.stack.kafka, topic, [inflated(i) for i in range(1000, 1000 + messages)])
        wait_for(f"{messages} dead letters", lambda: self.dead_letter_count(topic) >= 1000 + messages, timeout=600, interval=1)
        after = service.rss_kib()
        print(f"   {messages} messages with inflated Avro lengths: RSS {before / 1024:.1f} MB -> {after / 1024:.1f} MB "
              f"({(after - before) / 1024:+.1f} MB); all dead-lettered as avro_body")
        expect(after - before < 20 * 1024, "RSS grew by 20 MB or more")
        service.stop()

    def six_at_once(self):
        """Six datasets tagged in one call, on a DataHub where the status tags do not exist yet: all six flip."""
        for tag in ["tokenize/done", "tokenize/status:SUCCESS", "tokenize/status:FAILED"]:
            http("POST", f"{self.stack.gms}/standin/delete", {"urn": f"urn:li:tag:{tag}"})
        service = self.service("six", MAX_CONCURRENT_RUNS=6).start()  # a new process: it knows of no tag yet
        datasets = [self.table(f"six_{i}", "hmac", rows=50) for i in range(6)]
        self.datahub.graphql(
            "mutation m($input: BatchAddTagsInput!) { batchAddTags(input: $input) }",
            {"input": {"tagUrns": [self.datahub.ensure_tag("tokenize/run")],
                       "resources": [{"resourceUrn": urn, "subResourceType": "DATASET_FIELD", "subResource": "phone"} for _, urn in datasets]}})
        flipped = 0
        for table, urn in datasets:
            run = self.final_run(urn, timeout=60)
            self.check_datahub(urn, run["run_id"])
            flipped += 1
        print(f"   six datasets tagged in one call, status tags absent: {flipped} of 6 flipped")
        service.stop()

    def datahub_refusing(self, seconds):
        """DataHub refuses connections for `seconds` while a trigger arrives: the run happens and is written back."""
        service = self.service("refusing").start()
        total = retained_messages(self.stack.kafka, self.stack.topic)
        wait_for("the topic consumed (writer schema cached)", lambda: service.metric("tokenize_kafka_messages_total") >= total, timeout=120)
        table, urn = self.table("refusing", "hmac", rows=100)
        self.stack.refuse_gms(seconds)
        time.sleep(0.5)
        self.trigger(urn)  # straight to GMS: the service cannot reach it
        started = time.time()
        run = self.final_run(urn, timeout=seconds + 120)
        print(f"   GMS refusing connections for {seconds} s as a trigger arrives: SUCCESS, written back "
              f"{time.time() - started:.1f}s after the trigger, {run['attempts']} attempts")
        self.check_datahub(urn, run["run_id"])
        service.stop()

    def datahub_down_at_startup(self, seconds):
        """DataHub down when the service starts, with a trigger waiting on the topic: the run happens."""
        table, urn = self.table("startdown", "hmac", rows=100)
        self.trigger(urn)  # no service is running
        self.stack.refuse_gms(seconds)
        time.sleep(0.5)
        service = self.service("startdown").start()
        expect(not service.answers("readyz"), "/readyz says ready while DataHub is down")
        run = self.final_run(urn, timeout=seconds + 120)
        print(f"   GMS down for {seconds} s at startup with a trigger waiting: SUCCESS (source {run['source']}), written back")
        self.check_datahub(urn, run["run_id"])
        service.stop()

    def replay_topic(self):
        """The whole topic replayed from offset 0 by a new consumer group: 0 rows changed, 0 GraphQL mutations."""
        total = retained_messages(self.stack.kafka, self.stack.topic)
        mutations = self.gms_mutations()
        newest = self.stack.state("SELECT coalesce(max(created_at), 'epoch')::text FROM tokenize_action.runs")[0][0]
        service = self.service("replay", KAFKA_AUTO_OFFSET_RESET="earliest", LOG_LEVEL="notice").start()
        wait_for(f"{total} messages replayed", lambda: service.metric("tokenize_kafka_messages_total") >= total, timeout=300, interval=1)
        time.sleep(3)
        new_rows = self.stack.state(f"SELECT status, count(*), coalesce(sum(rows_updated), 0) FROM tokenize_action.runs WHERE created_at > '{newest}' GROUP BY status")
        changed = sum(int(row[2]) for row in new_rows)
        new_mutations = self.gms_mutations() - mutations
        print(f"   replay of {total} messages from offset 0 with a new group: {changed} rows changed, {new_mutations} GraphQL mutations; "
              f"new ledger rows by status {dict((row[0], int(row[1])) for row in new_rows)} (messages first handled now: STALE)")
        expect(changed == 0 and new_mutations == 0, "the replay changed rows or wrote to DataHub")
        expect(all(row[0] in ("STALE", "COALESCED") for row in new_rows), "the replay made a run that did something")
        service.stop()

    def gms_mutations(self):
        return self.stack.gms_stats()["service_mutations"]


SCENARIOS = [
    ("kill-hmac", "kill -9 at random points of an hmac run", lambda f: f.kill_loop("hmac")),
    ("kill-siv", "kill -9 at random points of an siv run", lambda f: f.kill_loop("siv")),
    ("kill-ff1", "kill -9 at random points of an ff1 run", lambda f: f.kill_loop("ff1")),
    ("registry", "schema registry down around a trigger", lambda f: f.registry_down()),
    ("writeback", "GMS 503 during the write-back", lambda f: f.writeback_unavailable(kill=False)),
    ("writeback-kill", "GMS 503 during the write-back, killed in the window", lambda f: f.writeback_unavailable(kill=True)),
    ("pgrestart", "PostgreSQL restarted three times mid-run", lambda f: f.postgres_restart()),
    ("pair-same", "two replicas, same group id, one dataset", lambda f: f.two_processes(same_group=True)),
    ("pair-different", "two deployments, different group ids, one dataset", lambda f: f.two_processes(same_group=False)),
    ("handover", "SIGTERM hand-over between two replicas mid-run", lambda f: f.sigterm_handover()),
    ("lost", "a trigger Kafka never delivers is found by reconciliation", lambda f: f.lost_trigger()),
    ("poison", "poison messages are dead-lettered and replayable", lambda f: f.poison_and_replay()),
    ("inflated", "inflated Avro lengths cost no memory", lambda f: f.inflated_lengths(f.args.inflated)),
    ("six", "six datasets at once, status tags absent", lambda f: f.six_at_once()),
    ("refusing", "GMS refusing connections while a trigger arrives", lambda f: f.datahub_refusing(f.args.refuse_seconds)),
    ("startdown", "GMS down at startup with a trigger waiting", lambda f: f.datahub_down_at_startup(30)),
    ("replay", "replay of the whole topic from offset 0", lambda f: f.replay_topic()),
    ("progress", "a long run shows its progress (API, CLI, log, DataHub) and its histograms", progress_scenarios.watch_progress),
    *hostile_faults.SCENARIOS,
    *erasure_faults.SCENARIOS,
]


# The scripts' stack is removed when they end: a failing scenario's service logs are printed, not only kept.
LOG_LINES_ON_FAILURE = 300


def print_log_tail(path, lines):
    """Prints the last `lines` lines of a service log (its whole log when shorter)."""
    try:
        with open(path, errors="replace") as log:
            tail = log.readlines()[-lines:]
    except OSError as error:
        print(f"--- {path}: {error}")
        return
    print(f"--- {path} (last {len(tail)} lines) ---")
    sys.stdout.writelines(tail)
    print(f"--- end of {path} ---", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the tokenize-action executable")
    parser.add_argument("--log-dir", required=True, help="where each service process logs")
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the big tables (kill loops, restarts)")
    parser.add_argument("--inflated", type=int, default=40_000, help="messages with inflated Avro lengths")
    parser.add_argument("--refuse-seconds", type=int, default=60)
    parser.add_argument("--open-requests", type=int, default=10_000, help="erasure requests open at the restart (erasure-10k)")
    parser.add_argument("--only", help="comma-separated scenario keys: " + ", ".join(k for k, _, _ in SCENARIOS))
    parser.add_argument("--fail-fast", action="store_true")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    faults = Faults(args)
    passed = failed = 0
    try:
        for key, name, scenario in SCENARIOS:
            if only is not None and key not in only:
                continue
            started = time.time()
            first_service = len(faults.services)
            try:
                scenario(faults)
                passed += 1
                print(f"PASS {name} ({time.time() - started:.1f}s)", flush=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported, then the next scenario runs
                failed += 1
                print(f"FAIL {name}: {error}", flush=True)
                if not isinstance(error, Failure):
                    traceback.print_exc()
                print(f"   where to look: {args.log_dir}/service-*.log", flush=True)
                faults.stop_all()
                for service in faults.services[first_service:]:
                    print_log_tail(service.log_path, LOG_LINES_ON_FAILURE)
                faults.stack.faults(clear=True)
                if args.fail_fast:
                    break
            finally:
                faults.stop_all()
    finally:
        faults.stop_all()
    print(f"faults: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
