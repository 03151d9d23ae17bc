"""Startup failures: each stops `serve` with exit status 78 and one last line that says what to set or grant, by class
(PostgreSQL unreachable, credentials refused, the state database missing, each privilege the role may lack, a Kafka
broker refusing the client, the schema registry and GMS refusing or not at their address, the key and policy files).
Every process here uses a consumer group of its own, so the running service's partitions stay where they are."""
import os
import subprocess
import tempfile
import uuid

from common import Failure, expect

ROLE = "tokenize_weak"
PASSWORD = "weak-" + uuid.uuid4().hex[:12]


def serve(env, overrides, timeout=90):
    settings = {**os.environ, "HTTP_PORT": "0", "KAFKA_GROUP_ID": f"startup-{uuid.uuid4().hex[:8]}", "STARTUP_WAIT_SECONDS": "3", **overrides}
    result = subprocess.run([env.binary, "serve"], env=settings, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return result.returncode, (lines[-1] if lines else "")


def prepare_roles(env):
    """A login role without privileges, a database it may not create schemas in, one it may not connect to, and one
    whose state tables another role owns."""
    suffix = uuid.uuid4().hex[:8]
    names = {"guarded": f"tokenize_guarded_{suffix}", "closed": f"tokenize_closed_{suffix}", "tables": f"tokenize_tables_{suffix}",
             "missing": f"tokenize_missing_{suffix}"}
    if not env.sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'", database="postgres"):
        env.sql(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'", database="postgres")
    else:
        env.sql(f"ALTER ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'", database="postgres")
    for key in ("guarded", "closed", "tables"):
        env.sql(f"CREATE DATABASE {names[key]}", database="postgres")
    env.sql(f"REVOKE CONNECT ON DATABASE {names['closed']} FROM PUBLIC", database="postgres")
    # The state tables made by the service's usual role; the weak role may use the schema, not the tables.
    code, line = serve(env, {"STATE_DATABASE": names["tables"], "DATAHUB_TOKEN": "refused-on-purpose"})
    expect(code == 78 and "DATAHUB_TOKEN" in line, f"preparing {names['tables']}: exit {code}, {line!r}")
    env.sql(f"GRANT USAGE, CREATE ON SCHEMA tokenize_action TO {ROLE}", database=names["tables"])
    return names


def scenario_startup_failures(env, state):
    if not env.binary:
        raise Failure("--binary is required for this scenario")
    names = prepare_roles(env)
    weak = {"POSTGRES_USER": ROLE, "POSTGRES_PASSWORD": PASSWORD}
    registry = os.environ.get("SCHEMA_REGISTRY_URL") or os.environ["DATAHUB_GMS_URL"] + "/schema-registry/api"
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as policy:
        policy.write("triggers: [\n")
    cases = [
        ("PostgreSQL unreachable", {"POSTGRES_PORT": "1"}, ["did not answer within 3 s", "POSTGRES_HOST", "POSTGRES_PORT", "STARTUP_WAIT_SECONDS"]),
        ("PostgreSQL refuses the password", {"POSTGRES_PASSWORD": "wrong"}, ["password authentication failed", "POSTGRES_PASSWORD"]),
        ("the state database missing, no CREATEDB", {**weak, "STATE_DATABASE": names["missing"]},
         [f'"{names["missing"]}" does not exist', f'role "{ROLE}" may not create it', "CREATEDB", "STATE_DATABASE"]),
        ("no CONNECT on the state database", {**weak, "STATE_DATABASE": names["closed"]},
         [f'role "{ROLE}" may not connect to database "{names["closed"]}"', "CONNECT", f'GRANT CONNECT ON DATABASE "{names["closed"]}"', "STATE_DATABASE"]),
        ("no CREATE on the state database", {**weak, "STATE_DATABASE": names["guarded"]},
         [f'role "{ROLE}" may not create schema tokenize_action in database "{names["guarded"]}"', f'GRANT CREATE ON DATABASE "{names["guarded"]}"',
          "STATE_DATABASE"]),
        ("no USAGE on the state schema", {**weak, "STATE_DATABASE": os.environ.get("STATE_DATABASE", "tokenize_state")},
         [f'role "{ROLE}" lacks USAGE and CREATE on schema tokenize_action', "GRANT USAGE, CREATE ON SCHEMA tokenize_action", "POSTGRES_USER"]),
        ("no privilege on the state tables", {**weak, "STATE_DATABASE": names["tables"]},
         [f'role "{ROLE}" lacks SELECT, INSERT, UPDATE and DELETE on tokenize_action.', "POSTGRES_USER", "GRANT SELECT, INSERT, UPDATE, DELETE"]),
        ("a Kafka broker refuses the client", {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": "p"},
         ["Kafka: a broker refused this client", "KAFKA_SECURITY_PROTOCOL"]),
        ("no schema registry at its address", {"SCHEMA_REGISTRY_URL": os.environ["DATAHUB_GMS_URL"] + "/no-registry-here"},
         ["Schema registry: no schema registry at SCHEMA_REGISTRY_URL", "HTTP 404"]),
        ("GMS refuses the token", {"DATAHUB_TOKEN": "wrong"}, ["DataHub: GMS refused the token", "DATAHUB_TOKEN"]),
        ("GMS not at its address", {"DATAHUB_GMS_URL": env.service, "SCHEMA_REGISTRY_URL": registry}, ["DataHub:", "DATAHUB_GMS_URL"]),
        ("the key file missing", {"TOKEN_KEYS_FILE": "/nonexistent/token-keys"}, ["TOKEN_KEYS_FILE", "cannot be read"]),
        ("the policy file invalid", {"TOKENIZE_POLICY_FILE": policy.name}, ["TOKENIZE_POLICY_FILE", "not valid YAML"]),
    ]
    problems = []
    for name, overrides, says in cases:
        code, line = serve(env, overrides)
        missing = [phrase for phrase in says if phrase not in line]
        if code != 78 or missing or not line.startswith("tokenize-action: "):
            problems.append(f"{name}: exit {code}, last line {line!r}, missing {missing}")
        else:
            print(f"   {name}: exit 78, {line[:160]}…" if len(line) > 160 else f"   {name}: exit 78, {line}")
    os.unlink(policy.name)
    for key in ("guarded", "closed", "tables"):
        env.sql(f"DROP DATABASE IF EXISTS {names[key]}", database="postgres")
    expect(not problems, "; ".join(problems))


SCENARIOS = [
    ("startup", "every startup failure stops serve with exit 78 and one line that says what to set or grant", scenario_startup_failures),
]
