"""Process and stack helpers for the fault tests: service processes started, killed (-9), stopped (SIGTERM) and
measured; the state database; PostgreSQL's statement log; the GMS fault controls."""
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode())
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode())


def wait_for(what, predicate, timeout=60, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise Failure(f"timed out after {timeout}s waiting for {what}")


class Service:
    """One tokenize-action process with the stack's environment plus overrides."""

    def __init__(self, binary, log_dir, name, **overrides):
        self.binary = binary
        self.name = name
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({"HTTP_PORT": str(self.port), "LOG_LEVEL": "info"})
        self.env.update({k: str(v) for k, v in overrides.items()})
        self.log_path = os.path.join(log_dir, f"service-{name}.log")
        self.process = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, wait="healthz"):
        log = open(self.log_path, "a")
        log.write(f"\n===== start {time.strftime('%H:%M:%S')} =====\n")
        log.flush()
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=log, stderr=log, start_new_session=True)
        if wait:
            wait_for(f"{self.name} /{wait}", lambda: self.alive() and self.answers(wait), timeout=60)
        return self

    def answers(self, path="healthz"):
        try:
            return http("GET", f"{self.url}/{path}", timeout=2)[0] == 200
        except OSError:
            return False

    def alive(self):
        if self.process is None or self.process.poll() is not None:
            if self.process is not None and self.process.returncode not in (None, 0, -9, -15):
                raise Failure(f"{self.name} exited {self.process.returncode}; see {self.log_path}")
            return False
        return True

    @property
    def pid(self):
        return self.process.pid

    def kill9(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout=60):
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.name} did not stop within {timeout}s of SIGTERM")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.terminate()

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def metric(self, name):
        status, text = http("GET", f"{self.url}/metrics")
        total = 0.0
        for line in (text if isinstance(text, str) else "").splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total


class Stack:
    """The local stack (.stack/env): PostgreSQL, the GMS stand-in and its fault proxy, Kafka."""

    def __init__(self):
        env = os.environ
        self.pg_port = env["POSTGRES_PORT"]
        self.psql_base = ["psql", "-h", "127.0.0.1", "-p", self.pg_port, "-U", "postgres", "-X", "-q", "-t", "-A", "-F", "\x1f", "-v", "ON_ERROR_STOP=1"]
        self.state_db = env.get("STATE_DATABASE", "postgres")
        self.gms = env["DATAHUB_DIRECT_URL"]
        self.proxy = env["DATAHUB_PROXY_CONTROL"]
        self.kafka = env["KAFKA_BOOTSTRAP_SERVERS"]
        self.topic = env["KAFKA_MCL_TOPIC"]
        self.pg_bin = env["PG_BIN"]
        self.pg_data = env["PG_DATA_DIR"]
        self.pg_log = env["PG_LOG"]

    def sql(self, statement, database="shop"):
        result = subprocess.run(self.psql_base + ["-d", database, "-c", statement], capture_output=True, text=True)
        if result.returncode != 0:
            raise Failure(f"psql failed: {result.stderr.strip()}")
        return [line.split("\x1f") for line in result.stdout.splitlines() if line]

    def state(self, statement):
        return self.sql(statement, database=self.state_db)

    def runs(self, dataset):
        rows = self.state(
            "SELECT run_id, status, rows_updated, writeback_state, owner, source, attempts FROM tokenize_action.runs "
            f"WHERE dataset = '{dataset}' ORDER BY created_at")
        return [dict(zip(["run_id", "status", "rows_updated", "writeback", "owner", "source", "attempts"], row)) for row in rows]

    def faults(self, **rule):
        expect(http("POST", f"{self.gms}/standin/faults", rule)[0] == 200, "cannot set stand-in faults")

    def refuse_gms(self, seconds):
        expect(http("POST", f"{self.proxy}/refuse", {"seconds": seconds})[0] == 200, "cannot make the GMS proxy refuse")

    def gms_stats(self):
        return http("GET", f"{self.gms}/standin/stats")[1]

    def restart_postgres(self):
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        # -l again: a restart keeps the server's options but not its log file. No pipes: the server would inherit them.
        result = subprocess.run(as_postgres + [f"{self.pg_bin}/pg_ctl", "-D", self.pg_data, "-l", self.pg_log, "-m", "fast", "-w", "restart"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        if result.returncode != 0:
            raise Failure(f"pg_ctl restart failed with exit status {result.returncode}")

    def log_offset(self):
        return os.path.getsize(self.pg_log)

    def statements_since(self, offset, needle):
        """Statement log lines since `offset` that contain `needle`, by application name."""
        counts = {}
        with open(self.pg_log, errors="replace") as log:
            log.seek(offset)
            for line in log:
                if needle in line and ("statement:" in line or "execute" in line):
                    application = line.split("]", 1)[1].split(":", 1)[0] if "]" in line else "?"
                    counts[application] = counts.get(application, 0) + 1
        return counts


def produce(bootstrap, topic, values, key=b"fault-test", **settings):
    """Produces `values` (bytes, or (key, value) pairs) and waits until all are delivered; `settings` are extra
    producer settings with dots as underscores (`compression_type="snappy"`)."""
    from confluent_kafka import Producer
    config = {"bootstrap.servers": bootstrap, "linger.ms": 5, "queue.buffering.max.messages": 500_000}
    config.update({name.replace("_", "."): value for name, value in settings.items()})
    producer = Producer(config)
    for item in values:
        message_key, value = item if isinstance(item, tuple) else (key, item)
        while True:
            try:
                producer.produce(topic, key=message_key, value=value)
                break
            except BufferError:
                producer.poll(0.1)
    producer.flush(120)


def retained_messages(bootstrap, topic):
    """How many messages a consumer starting at the earliest offset reads: high minus low watermark, summed over the
    partitions (the mock cluster, like a broker, drops the oldest segments, so the low watermark is not always 0)."""
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"watermark-{random.random()}"})
    metadata = consumer.list_topics(topic, timeout=10)
    total = 0
    for partition in metadata.topics[topic].partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        total += high - low
    consumer.close()
    return total
