#!/usr/bin/env python3
"""Databricks SQL Statement Execution API stand-in, over a real SQL engine.

Statements arrive in Databricks SQL, are parsed by sqlglot's Databricks dialect (SQL it cannot parse is
rejected as Databricks would, with PARSE_SYNTAX_ERROR), transpiled to DuckDB and run there. Catalogs are
DuckDB databases attached at startup (--catalog, repeatable); `system.information_schema` maps to DuckDB's
information_schema. Spark semantics DuckDB lacks are patched in the tree: `concat` of binary values stays
binary (DuckDB would cast to text).

API (as documented for /api/2.0/sql/statements):
  POST /api/2.0/sql/statements           {warehouse_id, statement, parameters, catalog, schema, wait_timeout,
                                          on_wait_timeout, disposition, format}
  GET  /api/2.0/sql/statements/{id}      state PENDING | RUNNING | SUCCEEDED | FAILED | CANCELED | CLOSED
  GET  /api/2.0/sql/statements/{id}/result/chunks/{n}
  POST /api/2.0/sql/statements/{id}/cancel
Errors: non-2xx {error_code, message}; execution errors are 200 with status.state FAILED and status.error.
Results: INLINE JSON_ARRAY, values as strings, split into chunks of --chunk-rows rows.

`secret(scope, key)` reads the secrets file given with --secrets-file ({"scope": {"key": "value"}}, read at each
lookup), as Databricks reads its secret service; an unknown scope or key fails with INVALID_SECRET_LOOKUP.

Test controls (not Databricks API): POST /standin/config {"delay_seconds": s, "fail_requests": n,
"fail_status": 429|503, "fail_statements_matching": regex} delays execution of the next statements, answers the next n
requests with an error, or fails (FAILED, INTERNAL_ERROR) statements whose text matches;
GET /standin/history lists every statement received, with its parameters (the query history's contents).
"""
import argparse
import json
import os
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import serving  # noqa: E402

import duckdb
import sqlglot
from sqlglot import ErrorLevel, exp

TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED", "CLOSED"}


def is_binary(node):
    return isinstance(node, (exp.Unhex, exp.Encode)) or (
        isinstance(node, exp.Concat) and node.expressions and all(is_binary(a) for a in node.expressions)) or (
        isinstance(node, exp.DPipe) and is_binary(node.this) and is_binary(node.expression))


def binary_concat(node):
    """Spark's concat of binaries is binary; DuckDB's CONCAT casts to text. Use || for those."""
    if isinstance(node, exp.Concat) and node.expressions and all(is_binary(a) for a in node.expressions):
        args = node.expressions
        result = args[0]
        for arg in args[1:]:
            result = exp.DPipe(this=result, expression=arg)
        return result
    return node


MAINTENANCE = re.compile(
    r"^\s*(?:REORG\s+TABLE\s+(?P<reorg>\S+)\s+APPLY\s*\(\s*PURGE\s*\)|VACUUM\s+(?P<vacuum>\S+)(?:\s+RETAIN\s+(?P<hours>\d+)\s+HOURS)?)\s*;?\s*$",
    re.IGNORECASE)


def maintenance(statement, db):
    """REORG TABLE … APPLY (PURGE) and VACUUM … RETAIN n HOURS: accepted (DuckDB keeps no table history) after
    the checks Databricks makes: the table must exist; a retention under 168 hours is refused while
    spark.databricks.delta.retentionDurationCheck.enabled is on (the default). None when not such a statement."""
    match = MAINTENANCE.match(statement)
    if not match:
        return None
    name = match.group("reorg") or match.group("vacuum")
    parts = [p.strip("`") for p in name.split(".")]
    if len(parts) != 3 or not db.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
                                         "AND table_name = ?", parts).fetchone()[0]:
        raise ValueError("TABLE_OR_VIEW_NOT_FOUND", f"[TABLE_OR_VIEW_NOT_FOUND] The table or view {name} cannot be found.")
    hours = match.group("hours")
    if match.group("vacuum") and hours is not None and int(hours) < 168:
        raise ValueError("DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT",
                         "[DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT] Are you sure you would like to vacuum files with such a low retention "
                         "period? Set spark.databricks.delta.retentionDurationCheck.enabled = false to proceed.")
    return [{"name": "path", "type_name": "STRING", "position": 0}] if match.group("vacuum") else []


def resolve_secrets(tree, secrets_file):
    """Replaces each secret('scope', 'key') with the stored value, as Databricks does server-side."""
    for node in list(tree.find_all(exp.Anonymous)):
        if node.name.lower() != "secret":
            continue
        args = node.expressions
        if len(args) != 2 or not all(isinstance(a, exp.Literal) and a.is_string for a in args):
            raise ValueError("INVALID_SECRET_LOOKUP", "[INVALID_SECRET_LOOKUP] secret() takes two constant strings: scope and key")
        scope, key = (a.this for a in args)
        secrets = {}
        if secrets_file and os.path.exists(secrets_file):
            with open(secrets_file) as handle:
                secrets = json.load(handle)
        if key not in secrets.get(scope, {}):
            raise ValueError("INVALID_SECRET_LOOKUP",
                             f"[INVALID_SECRET_LOOKUP.SECRET_FUNCTION_KEY_NOT_EXISTS] Secret does not exist with scope: {scope} and key: {key}")
        replacement = exp.Literal.string(secrets[scope][key])
        if node is tree:
            return replacement
        node.replace(replacement)
    return tree


def transpile(statement, secrets_file=None):
    """Databricks SQL → DuckDB SQL, or raises ValueError with a Databricks-style error code."""
    try:
        trees = sqlglot.parse(statement, read="databricks", error_level=ErrorLevel.RAISE)
    except sqlglot.errors.ParseError as error:
        raise ValueError("PARSE_SYNTAX_ERROR", f"[PARSE_SYNTAX_ERROR] Syntax error: {error}")
    if len(trees) != 1 or trees[0] is None:
        raise ValueError("PARSE_SYNTAX_ERROR", "[PARSE_SYNTAX_ERROR] exactly one statement is allowed")
    tree = resolve_secrets(trees[0], secrets_file)
    for node in reversed(list(tree.find_all(exp.Concat))):  # innermost first
        replacement = binary_concat(node)
        if replacement is not node:
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
    try:
        sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as error:
        raise ValueError("UNSUPPORTED_FEATURE", f"[UNSUPPORTED_FEATURE] {error}")
    return sql.replace('"system"."information_schema"', "information_schema").replace("system.information_schema", "information_schema")


class Statement:
    def __init__(self, statement_id, sql, parameters, catalog, schema):
        self.id = statement_id
        self.sql = sql
        self.parameters = parameters
        self.catalog = catalog
        self.schema = schema
        self.state = "PENDING"
        self.error = None
        self.columns = []
        self.rows = []
        self.done = threading.Event()
        self.cancelled = threading.Event()


class Engine:
    def __init__(self, catalogs, chunk_rows, secrets_file=None):
        self.secrets_file = secrets_file
        self.history = []
        self.db = duckdb.connect(config={"python_enable_replacements": False})
        for catalog in catalogs:
            self.db.execute(f"ATTACH ':memory:' AS \"{catalog}\"")
        self.lock = threading.Lock()
        self.statements = {}
        self.chunk_rows = chunk_rows
        self.delay_seconds = 0.0
        self.fail_requests = 0
        self.fail_status = 503
        self.fail_pattern = None

    def submit(self, body):
        statement = Statement(str(uuid.uuid4()), body.get("statement", ""), body.get("parameters") or [],
                              body.get("catalog"), body.get("schema"))
        self.statements[statement.id] = statement
        self.history.append({"statement_id": statement.id, "statement": statement.sql, "parameters": statement.parameters})
        threading.Thread(target=self._run, args=(statement,), daemon=True).start()
        return statement

    def _run(self, statement):
        statement.state = "RUNNING"
        deadline = time.time() + self.delay_seconds
        while time.time() < deadline and not statement.cancelled.is_set():
            time.sleep(0.05)
        if statement.cancelled.is_set():
            statement.state = "CANCELED"
            statement.done.set()
            return
        try:
            if self.fail_pattern and re.search(self.fail_pattern, statement.sql, re.IGNORECASE):
                raise ValueError("INTERNAL_ERROR", f"[INTERNAL_ERROR] injected failure for statements matching {self.fail_pattern!r}")
            with self.lock:
                columns = maintenance(statement.sql, self.db.cursor())
            if columns is not None:
                statement.columns, statement.rows, statement.state = columns, [], "SUCCEEDED"
                statement.done.set()
                return
            sql = transpile(statement.sql, self.secrets_file)
            values = {}
            for parameter in statement.parameters:
                name = parameter.get("name")
                if not name or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    raise ValueError("INVALID_PARAMETER_VALUE", f"bad parameter name {name!r}")
                value, kind = parameter.get("value"), (parameter.get("type") or "STRING").upper()
                if value is not None and kind in ("INT", "INTEGER", "BIGINT", "LONG", "SMALLINT", "TINYINT"):
                    value = int(value)
                elif value is not None and kind in ("DOUBLE", "FLOAT", "DECIMAL"):
                    value = float(value)
                values[name] = value
            used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql))
            missing = used - set(values)
            if missing:
                raise ValueError("UNBOUND_SQL_PARAMETER", f"[UNBOUND_SQL_PARAMETER] Found the unbound parameter: {sorted(missing)[0]}")
            with self.lock:
                cursor = self.db.cursor()
                if statement.catalog:
                    cursor.execute(f'USE "{statement.catalog}"' + (f'."{statement.schema}"' if statement.schema else ""))
                cursor.execute(sql, {k: v for k, v in values.items() if k in used})
                description = cursor.description or []
                rows = cursor.fetchall() if description else []
            if isinstance(sqlglot.parse_one(statement.sql, read="databricks"), (exp.Update, exp.Delete, exp.Merge)):
                statement.columns = [{"name": "num_affected_rows", "type_name": "LONG", "position": 0}]
                statement.rows = [[str(rows[0][0] if rows else 0)]]
            else:
                statement.columns = [{"name": d[0], "type_name": str(d[1]).upper(), "position": i} for i, d in enumerate(description)]
                statement.rows = [[None if v is None else (v.hex() if isinstance(v, bytes) else str(v)) for v in row] for row in rows]
            statement.state = "SUCCEEDED"
        except ValueError as error:
            code, message = error.args if len(error.args) == 2 else ("BAD_REQUEST", str(error))
            statement.state, statement.error = "FAILED", {"error_code": code, "message": message}
        except duckdb.Error as error:
            text = str(error)
            code = "TABLE_OR_VIEW_NOT_FOUND" if re.search(r"Table with name .* does not exist", text) else "SQL_EXECUTION_ERROR"
            statement.state, statement.error = "FAILED", {"error_code": code, "message": f"[{code}] {text}"}
        statement.done.set()

    def view(self, statement):
        body = {"statement_id": statement.id, "status": {"state": statement.state}}
        if statement.error:
            body["status"]["error"] = statement.error
        if statement.state == "SUCCEEDED":
            chunks = max(1, -(-len(statement.rows) // self.chunk_rows))
            body["manifest"] = {"format": "JSON_ARRAY", "schema": {"column_count": len(statement.columns), "columns": statement.columns},
                                "total_row_count": len(statement.rows), "total_chunk_count": chunks, "truncated": False}
            body["result"] = self.chunk(statement, 0)
        return body

    def chunk(self, statement, index):
        rows = statement.rows[index * self.chunk_rows:(index + 1) * self.chunk_rows]
        chunk = {"chunk_index": index, "row_offset": index * self.chunk_rows, "row_count": len(rows), "data_array": rows}
        if (index + 1) * self.chunk_rows < len(statement.rows):
            chunk["next_chunk_index"] = index + 1
            chunk["next_chunk_internal_link"] = f"/api/2.0/sql/statements/{statement.id}/result/chunks/{index + 1}"
        return chunk


def parse_wait(text):
    match = re.fullmatch(r"(\d+)s", text or "10s")
    if not match:
        raise ValueError("INVALID_PARAMETER_VALUE", f"wait_timeout must look like 10s, got {text!r}")
    seconds = int(match.group(1))
    if seconds != 0 and not 5 <= seconds <= 50:
        raise ValueError("INVALID_PARAMETER_VALUE", "wait_timeout must be 0s or between 5s and 50s")
    return seconds


class Handler(BaseHTTPRequestHandler):
    server_version = "databricks-standin/1.0"

    def log_message(self, fmt, *args):
        if os.environ.get("STANDIN_VERBOSE"):
            super().log_message(fmt, *args)

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, code, message):
        self._send(status, {"error_code": code, "message": message})

    def _guard(self):
        """Auth and injected failures; True when the request was already answered."""
        engine = self.server.engine
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._error(401, "UNAUTHENTICATED", "Invalid access token.")
            return True
        if engine.fail_requests > 0:
            engine.fail_requests -= 1
            if engine.fail_status == 429:
                self._error(429, "TOO_MANY_REQUESTS", "Too many requests. Please wait and retry.")
            else:
                self._error(503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable.")
            return True
        return False

    def do_GET(self):
        path = urlparse(self.path).path
        if path == "/health":
            return self._send(200, {"ok": True})
        if path == "/standin/history":
            return self._send(200, {"statements": self.server.engine.history})
        if self._guard():
            return
        engine = self.server.engine
        match = re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)(?:/result/chunks/(\d+))?", path)
        if not match or match.group(1) not in engine.statements:
            return self._error(404, "RESOURCE_DOES_NOT_EXIST", f"Statement {match.group(1) if match else path} not found.")
        statement = engine.statements[match.group(1)]
        if match.group(2) is not None:
            if statement.state != "SUCCEEDED":
                return self._error(400, "BAD_REQUEST", f"Statement is {statement.state}; no result.")
            return self._send(200, engine.chunk(statement, int(match.group(2))))
        self._send(200, engine.view(statement))

    def do_POST(self):
        path = urlparse(self.path).path
        engine = self.server.engine
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._error(400, "MALFORMED_REQUEST", "Body is not JSON.")
        if path == "/standin/config":
            engine.delay_seconds = float(body.get("delay_seconds", 0))
            engine.fail_requests = int(body.get("fail_requests", 0))
            engine.fail_status = int(body.get("fail_status", 503))
            engine.fail_pattern = body.get("fail_statements_matching")
            return self._send(200, {"ok": True})
        if self._guard():
            return
        if path == "/api/2.0/sql/statements":
            if body.get("warehouse_id") != self.server.warehouse_id:
                return self._error(404, "RESOURCE_DOES_NOT_EXIST", f"SQL warehouse {body.get('warehouse_id')!r} does not exist.")
            if not body.get("statement"):
                return self._error(400, "INVALID_PARAMETER_VALUE", "statement is required")
            if body.get("disposition", "INLINE") != "INLINE" or body.get("format", "JSON_ARRAY") != "JSON_ARRAY":
                return self._error(400, "INVALID_PARAMETER_VALUE", "the stand-in supports INLINE JSON_ARRAY results only")
            try:
                wait = parse_wait(body.get("wait_timeout"))
            except ValueError as error:
                return self._error(400, *error.args)
            statement = engine.submit(body)
            if wait and not statement.done.wait(wait) and body.get("on_wait_timeout") == "CANCEL":
                statement.cancelled.set()
                statement.done.wait(5)
            return self._send(200, engine.view(statement))
        match = re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)/cancel", path)
        if match:
            statement = engine.statements.get(match.group(1))
            if statement is None:
                return self._error(404, "RESOURCE_DOES_NOT_EXIST", "Statement not found.")
            if statement.state not in TERMINAL:
                statement.cancelled.set()
                statement.done.wait(5)
            return self._send(200, {})
        self._error(404, "ENDPOINT_NOT_FOUND", f"No API found for 'POST {path}'")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True, help="the bearer token clients must send")
    parser.add_argument("--warehouse-id", required=True)
    parser.add_argument("--catalog", action="append", default=[], help="catalog to create (repeatable)")
    parser.add_argument("--chunk-rows", type=int, default=1000, help="rows per result chunk")
    parser.add_argument("--secrets-file", help="JSON {scope: {key: value}} that secret(scope, key) reads")
    parser.add_argument("--port-file")
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.engine = Engine(args.catalog or ["demo"], args.chunk_rows, args.secrets_file)
    server.token = args.token
    server.warehouse_id = args.warehouse_id
    serving.serve(server, f"databricks-standin listening on http://{args.host}:{{port}} (warehouse {args.warehouse_id})", args.port_file)


if __name__ == "__main__":
    main()
