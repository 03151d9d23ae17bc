"""Tables as users have them: every case is checked cell by cell against the independent oracle (e2e/oracle.py),
and by the run record and DataHub's tags. The policy (e2e/policy.yml) fires triggers of `*_fire` tables, skips those
of `*_skip` tables and normalizes `*_nfc` tables to NFC; everything else has the defaults (triggers refuse a run,
tokens are byte-exact)."""
import oracle
from common import Failure, expect

MEGABYTE = "x1" * (1 << 19)  # 1 MiB of letters and digits: over ff1's 4,096, an siv token


def quote(value):
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def make(env, table, columns, rows, extra=()):
    """Creates `public.<table>` (an id key and `columns`, name → type), inserts `rows` and registers the dataset."""
    env.sql(f"CREATE TABLE public.{table} (id int PRIMARY KEY, {', '.join(f'{n} {t}' for n, t in columns.items())})")
    for statement in extra:
        env.sql(statement)
    for index, row in enumerate(rows, start=1):
        env.sql(f"INSERT INTO public.{table} (id, {', '.join(columns)}) VALUES ({index}, {', '.join(quote(v) for v in row)})")
    return env.register_dataset(table, field_paths=["id", *columns])


def column(env, table, name):
    """The column's values as text, NULL as `<NULL>` (each prefixed in SQL, so an empty value is still a line)."""
    return [row[0][1:] for row in env.sql(f"SELECT '|' || coalesce({name}::text, '<NULL>') FROM public.{table} ORDER BY id")]


def run(env, urn, columns, path="/trigger"):
    status, record = env.api("POST", f"{path}?wait=true", {"dataset": urn, "columns": columns})
    expect(status == 200, f"POST {path}: {status} {record}")
    return record


def token(env, scheme, value):
    key_id, secret = env.key
    return oracle.token(scheme, value, key_id, secret)


def expect_tokens(env, table, name, originals, scheme):
    """Every value that holds something is exactly the oracle's token of its original; the rest are unchanged."""
    for index, (before, after) in enumerate(zip(originals, column(env, table, name)), start=1):
        if before is None or not before.strip(" \t\n\r\f\v"):
            expect(after == (before if before is not None else "<NULL>"), f"{table}.{name} row {index}: {before!r} changed to {after!r}")
        else:
            expected = token(env, scheme, before)
            expect(after == expected, f"{table}.{name} row {index}: {after[:60]!r} is not the {scheme} token of {before[:40]!r}")


def scenario_long_value_and_fallbacks(env, state):
    """An ff1 column with a 1 MiB value and values below ff1's domain (7, 555): the service keeps running, those get
    siv tokens (exactly the oracle's), the record and DataHub count them; a re-run changes 0 cells."""
    table = f"{env.prefix}_zoo_ff1"
    values = ["+44 20 7946 0958", "078-05-1120", "7", "555", MEGABYTE, "", None, "4111 1111 1111 1111"]
    # The 1 MiB value is built by the server: a command-line argument holds at most 128 KiB.
    urn = make(env, table, {"code": "text"}, [[None if v is MEGABYTE else v] for v in values])
    env.sql(f"UPDATE public.{table} SET code = repeat('x1', {len(MEGABYTE) // 2}) WHERE id = {values.index(MEGABYTE) + 1}")
    env.add_tag(urn, "tokenize/scheme:ff1", field="code")
    record = run(env, urn, ["code"])
    expect(record["status"] == "SUCCESS", f"run: {record['status']} {record['details'][:300]}")
    expect_tokens(env, table, "code", values, "ff1")
    deviations = record.get("deviations", {}).get("code", {})
    expect(deviations.get("fell_back_to_siv") == 3 and deviations.get("nothing_to_protect") == 2, f"deviations {deviations}")
    expect("3 given siv tokens" in env.dataset(urn)["editableProperties"]["description"], "DataHub does not show the fallbacks")
    again = run(env, urn, ["code"])
    expect(again["status"] == "SUCCESS" and again["rows_updated"] == 0, f"re-run: {again['rows_updated']} {again['details'][:200]}")
    expect_tokens(env, table, "code", values, "ff1")


def scenario_char_padding(env, state):
    """char(60) with hmac, siv and ff1: tokens exact, verified clean (no INCOMPLETE), a re-run changes 0 cells."""
    for scheme in ["hmac", "siv", "ff1"]:
        table = f"{env.prefix}_zoo_char_{scheme}"
        values = ["ada@example.com", "Grace Hopper", "  ", None, "078-05-1120"]
        urn = make(env, table, {"name": "char(60)"}, [[v] for v in values])
        env.add_tag(urn, f"tokenize/scheme:{scheme}", field="name")
        record = run(env, urn, ["name"])
        expect(record["status"] == "SUCCESS", f"{scheme}: {record['status']} {record['details'][:300]}")
        expect_tokens(env, table, "name", [None if v is None else v.rstrip(" ") for v in values], scheme)
        again = run(env, urn, ["name"])
        expect(again["status"] == "SUCCESS" and again["rows_updated"] == 0, f"{scheme} re-run: {again['status']} {again['rows_updated']}")


def scenario_foreign_keys(env, state):
    """A column referenced without ON UPDATE CASCADE: FAILED before any row changed, naming the constraint and the
    fix. With ON UPDATE CASCADE: both tables hold the oracle's tokens and every order still finds its customer."""
    emails = [f"customer{i}@example.com" for i in range(1, 31)]
    for cascade in [False, True]:
        customers = f"{env.prefix}_zoo_customers_{int(cascade)}"
        orders = f"{env.prefix}_zoo_orders_{int(cascade)}"
        urn = make(env, customers, {"email": "text UNIQUE"}, [[e] for e in emails])
        env.sql(f"CREATE TABLE public.{orders} (id int PRIMARY KEY, customer_email text REFERENCES public.{customers}(email)"
                f"{' ON UPDATE CASCADE' if cascade else ''})")
        env.sql(f"INSERT INTO public.{orders} SELECT i, 'customer' || (1 + i % 10) || '@example.com' FROM generate_series(1, 40) i")
        status, plan = env.api("POST", "/plan?wait=true", {"dataset": urn, "columns": ["email"]})
        refusals = " ".join(plan["plan"].get("refusals") or [])
        expect(status == 200 and (f"{orders}_customer_email_fkey" in refusals) != cascade, f"the plan's refusals: {refusals[:300]}")
        record = run(env, urn, ["email"])
        if not cascade:
            expect(record["status"] == "FAILED" and record["rows_updated"] == 0 and f"{orders}_customer_email_fkey" in record["details"]
                   and "ON UPDATE CASCADE" in record["details"], f"no cascade: {record['status']} {record['details'][:400]}")
            expect(column(env, customers, "email") == emails, "a refused run changed rows")
            expect(record.get("error_code") == "table_refused", f"error code {record.get('error_code')}")
        else:
            expect(record["status"] == "SUCCESS", f"cascade: {record['status']} {record['details'][:400]}")
            expect_tokens(env, customers, "email", emails, "hmac")
            broken = env.sql(f"SELECT count(*) FROM public.{orders} o LEFT JOIN public.{customers} c ON c.email = o.customer_email WHERE c.id IS NULL")
            expect(broken == [["0"]], f"orders without their customer: {broken}")
            expect(any("receives each token" in c for c in record["table"]["cascades"]), f"cascade not recorded: {record['table']}")


def audited(env, table):
    """A table whose AFTER UPDATE trigger copies every old e-mail into `<table>_log`."""
    urn = make(env, table, {"email": "text"}, [[f"user{i}@example.com"] for i in range(1, 26)], extra=[
        f"CREATE TABLE public.{table}_log (old_email text)",
        f"CREATE FUNCTION public.{table}_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO public.{table}_log VALUES (OLD.email); RETURN NEW; END $$"])
    env.sql(f"CREATE TRIGGER copy_old_email AFTER UPDATE ON public.{table} FOR EACH ROW EXECUTE FUNCTION public.{table}_copy()")
    return urn


def scenario_triggers(env, state):
    """An AFTER UPDATE trigger that copies old values: refused by default, naming it; fired (policy) with the copies
    named in the record and DataHub; skipped (policy): the copy table stays empty and the trigger stays enabled."""
    refused = f"{env.prefix}_zoo_trig"
    urn = audited(env, refused)
    record = run(env, urn, ["email"])
    expect(record["status"] == "FAILED" and "copy_old_email" in record["details"] and "tables[].triggers" in record["details"],
           f"default: {record['status']} {record['details'][:300]}")
    expect(env.sql(f"SELECT count(*) FROM public.{refused}_log") == [["0"]] and record["rows_updated"] == 0, "the refused run changed rows")
    fired = f"{env.prefix}_zoo_trig_fire"
    urn = audited(env, fired)
    record = run(env, urn, ["email"])
    expect(record["status"] == "SUCCESS" and "copy_old_email" in (record["table"].get("triggers") or ""), f"fire: {record['status']} {record.get('table')}")
    expect(env.sql(f"SELECT count(*) FROM public.{fired}_log WHERE old_email LIKE '%@example.com'") == [["25"]], "the fired trigger did not copy")
    expect("copy_old_email" in env.dataset(urn)["editableProperties"]["description"], "DataHub does not name the fired trigger")
    skipped = f"{env.prefix}_zoo_trig_skip"
    urn = audited(env, skipped)
    originals = [f"user{i}@example.com" for i in range(1, 26)]
    record = run(env, urn, ["email"])
    expect(record["status"] == "SUCCESS" and (record["table"].get("triggers") or "").startswith("skipped"), f"skip: {record['status']} {record.get('table')}")
    expect(env.sql(f"SELECT count(*) FROM public.{skipped}_log") == [["0"]], "a skipped trigger saw the change")
    expect_tokens(env, skipped, "email", originals, "hmac")
    expect(env.sql(f"SELECT tgenabled FROM pg_trigger WHERE tgname = 'copy_old_email' AND tgrelid = 'public.{skipped}'::regclass") == [["O"]],
           "the skipped trigger was left disabled")


def scenario_generated_and_checks(env, state):
    """A generated column tagged with its source: PostgreSQL computes it from the tokens; tagged alone: refused in
    words, not PostgreSQL's raw error. A CHECK a token would break: refused by the rehearsal, no row changed."""
    table = f"{env.prefix}_zoo_generated"
    emails = ["Ada@Example.com", "GRACE@example.com", None]
    env.sql(f"CREATE TABLE public.{table} (id int PRIMARY KEY, email text, email_lower text GENERATED ALWAYS AS (lower(email)) STORED)")
    for index, email in enumerate(emails, start=1):
        env.sql(f"INSERT INTO public.{table} (id, email) VALUES ({index}, {quote(email)})")
    urn = env.register_dataset(table, field_paths=["id", "email", "email_lower"])
    alone = run(env, urn, ["email_lower"])
    expect(alone["status"] == "FAILED" and "GENERATED ALWAYS" in alone["details"] and "428C9" not in alone["details"], f"alone: {alone['details'][:300]}")
    both = run(env, urn, ["email", "email_lower"])
    expect(both["status"] == "SUCCESS" and "email_lower" in both["table"]["recomputed"], f"both: {both['status']} {both['details'][:300]}")
    expect_tokens(env, table, "email", emails, "hmac")
    lowered = column(env, table, "email_lower")
    expect(lowered == [token(env, "hmac", e).lower() if e else "<NULL>" for e in emails], f"email_lower is not computed from the tokens: {lowered}")
    status, verified = env.api("POST", "/verify?wait=true", {"dataset": urn, "columns": ["email", "email_lower"], "full_scan": True})
    expect(status == 200 and verified["status"] == "SUCCESS", f"POST /verify counts the recomputed column as no plaintext: {verified}")
    checked = f"{env.prefix}_zoo_check"
    addresses = ["ada.lovelace@example.com", "grace.hopper@example.com"]  # ff1 needs 4 letters before the '@'
    urn = make(env, checked, {"email": "text CHECK (email LIKE '%@%')"}, [[a] for a in addresses])
    record = run(env, urn, ["email"])
    expect(record["status"] == "FAILED" and "rehearsal" in record["details"] and "check constraint" in record["details"]
           and record.get("error_code") == "rehearsal_refused", f"check: {record['status']} {record['details'][:300]}")
    expect(column(env, checked, "email") == addresses, "the rehearsal changed rows")
    env.add_tag(urn, "tokenize/scheme:ff1", field="email")
    record = run(env, urn, ["email"])
    expect(record["status"] == "SUCCESS", f"ff1 keeps the '@': {record['status']} {record['details'][:300]}")
    expect_tokens(env, checked, "email", addresses, "ff1")


def scenario_copies_named(env, state):
    """A publication with REPLICA IDENTITY FULL, a materialized view and an expression index: the run succeeds and
    names each as a place the old values went or stay."""
    table = f"{env.prefix}_zoo_cdc"
    urn = make(env, table, {"email": "text"}, [["ada@example.com"], ["grace@example.com"]], extra=[])
    env.sql(f"ALTER TABLE public.{table} REPLICA IDENTITY FULL")
    env.sql(f"CREATE PUBLICATION {table}_pub FOR TABLE public.{table}")
    env.sql(f"CREATE MATERIALIZED VIEW public.{table}_mv AS SELECT email FROM public.{table}")
    env.sql(f"CREATE INDEX {table}_lower ON public.{table} (lower(email))")
    try:
        record = run(env, urn, ["email"])
    finally:
        env.sql(f"DROP PUBLICATION {table}_pub")
    expect(record["status"] == "SUCCESS", f"run: {record['status']} {record['details'][:300]}")
    copies = " ".join(record["table"]["copies"])
    for name in [f"{table}_pub", "REPLICA IDENTITY FULL", f"{table}_mv", f"{table}_lower"]:
        expect(name in copies, f"{name} is not named among the copies: {copies[:500]}")
    expect(f"{table}_mv" in env.dataset(urn)["editableProperties"]["description"], "DataHub does not name the copies")


def scenario_unicode(env, state):
    """The same name in NFC and NFD: byte-exact (the default) gives two tokens; the policy's nfc gives one, and the
    plan counts the values not in NFC."""
    composed, decomposed = "Zo\u00eb M\u00fcller", "Zoe\u0308 Mu\u0308ller"
    for suffix, expected_same in [("exact", False), ("nfc", True)]:
        table = f"{env.prefix}_zoo_names_{suffix}"
        urn = make(env, table, {"name": "text"}, [[composed], [decomposed]])
        status, plan = env.api("POST", "/plan?wait=true", {"dataset": urn, "columns": ["name"]})
        plan_column = plan["plan"]["columns"][0]
        expect(status == 200 and plan_column.get("not_nfc") == 1, f"{suffix}: the plan's NFC count {plan_column}")
        record = run(env, urn, ["name"])
        expect(record["status"] == "SUCCESS", f"{suffix}: {record['status']} {record['details'][:200]}")
        first, second = column(env, table, "name")
        expect((first == second) == expected_same, f"{suffix}: tokens {first} {second}")
        expect(first == token(env, "hmac", composed), f"{suffix}: not the oracle's token of the NFC form")


def scenario_one_status_tag(env, state):
    """A plan, then a failed run: one tokenize/status tag on the dataset."""
    table = f"{env.prefix}_zoo_status"
    urn = make(env, table, {"email": "text"}, [["ada@example.com"]])
    env.add_tag(urn, "tokenize/plan")
    env.wait_for("PLANNED", lambda: "urn:li:tag:tokenize/status:PLANNED" in env.tag_set(env.dataset(urn)["tags"]))
    env.sql(f"DROP TABLE public.{table}")
    env.add_tag(urn, "tokenize/run")
    dataset, record = env.wait_for_run(urn)
    statuses = {tag for tag in env.tag_set(dataset["tags"]) if tag.startswith("urn:li:tag:tokenize/status:")}
    expect(record["status"] == "FAILED" and statuses == {"urn:li:tag:tokenize/status:FAILED"}, f"status tags {statuses}")


def scenario_what_already_worked(env, state):
    """Cases that worked before and must stay so: identical values in two tables give identical tokens (joins kept);
    quoted mixed-case names with spaces and reserved words; a range-partitioned table; a table with no key (hmac);
    citext; a jsonb column refused with a reason and no row changed; a too-narrow varchar refused before any row
    changed; empty and all-NULL tables."""
    emails = [f"shared{i}@example.com" for i in range(1, 21)]
    first = f"{env.prefix}_zoo_join_a"
    second = f"{env.prefix}_zoo_join_b"
    for table in [first, second]:
        urn = make(env, table, {"email": "text"}, [[e] for e in emails])
        expect(run(env, urn, ["email"])["status"] == "SUCCESS", f"{table} failed")
    joined = env.sql(f"SELECT count(*) FROM public.{first} a JOIN public.{second} b USING (email)")
    expect(joined == [["20"]], f"joins broken: {joined}")
    odd = f"{env.prefix}_Zoo Odd"
    env.sql(f'CREATE TABLE public."{odd}" (id int PRIMARY KEY, "E-mail Address" text, "select" text)')
    env.sql(f"""INSERT INTO public."{odd}" VALUES (1, 'ada@example.com', 'grace@example.com')""")
    urn = env.register_dataset(odd, field_paths=["id", "E-mail Address", "select"])
    record = run(env, urn, ["E-mail Address", "select"])
    expect(record["status"] == "SUCCESS" and record["rows_updated"] == 1, f"odd names: {record['status']} {record['details'][:200]}")
    partitioned = f"{env.prefix}_zoo_parts"
    env.sql(f"CREATE TABLE public.{partitioned} (id int, email text, PRIMARY KEY (id)) PARTITION BY RANGE (id)")
    env.sql(f"CREATE TABLE public.{partitioned}_1 PARTITION OF public.{partitioned} FOR VALUES FROM (0) TO (10)")
    env.sql(f"CREATE TABLE public.{partitioned}_2 PARTITION OF public.{partitioned} FOR VALUES FROM (10) TO (100)")
    env.sql(f"INSERT INTO public.{partitioned} SELECT i, 'p' || i || '@example.com' FROM generate_series(1, 30) i")
    urn = env.register_dataset(partitioned, field_paths=["id", "email"])
    expect(run(env, urn, ["email"])["status"] == "SUCCESS", "partitioned failed")
    expect_tokens(env, partitioned, "email", [f"p{i}@example.com" for i in range(1, 31)], "hmac")
    keyless = f"{env.prefix}_zoo_keyless"
    env.sql(f"CREATE TABLE public.{keyless} (email text)")
    env.sql(f"INSERT INTO public.{keyless} SELECT 'k' || i || '@example.com' FROM generate_series(1, 10) i")
    urn = env.register_dataset(keyless, field_paths=["email"])
    expect(run(env, urn, ["email"])["status"] == "SUCCESS", "keyless failed")
    cased = f"{env.prefix}_zoo_citext"
    env.sql("CREATE EXTENSION IF NOT EXISTS citext")
    urn = make(env, cased, {"email": "citext"}, [["Ada@Example.com"], ["ada@example.com"]])
    record = run(env, urn, ["email"])
    expect(record["status"] == "SUCCESS", f"citext: {record['details'][:200]}")
    expect_tokens(env, cased, "email", ["Ada@Example.com", "ada@example.com"], "hmac")
    expect(run(env, urn, ["email"])["rows_updated"] == 0, "citext re-run changed rows")
    document = f"{env.prefix}_zoo_json"
    urn = make(env, document, {"profile": "jsonb"}, [['{"email": "ada@example.com"}']])
    record = run(env, urn, ["profile"])
    expect(record["status"] == "FAILED" and "jsonb" in record["details"] and record["rows_updated"] == 0, f"jsonb: {record['details'][:200]}")
    narrow = f"{env.prefix}_zoo_narrow"
    urn = make(env, narrow, {"email": "varchar(20)"}, [["ada@example.com"]])
    record = run(env, urn, ["email"])
    expect(record["status"] == "FAILED" and "character varying(20)" in record["details"] and column(env, narrow, "email") == ["ada@example.com"],
           f"narrow: {record['details'][:200]}")
    for name, rows in [("empty", []), ("nulls", [[None], [None]])]:
        table = f"{env.prefix}_zoo_{name}"
        urn = make(env, table, {"email": "text"}, rows)
        record = run(env, urn, ["email"])
        expect(record["status"] == "SUCCESS" and record["rows_updated"] == 0, f"{name}: {record['status']} {record['details'][:200]}")


SCENARIOS = [
    ("zoo-ff1", "a 1 MiB value and values below ff1's domain: siv tokens, counted; the service keeps running", scenario_long_value_and_fallbacks),
    ("zoo-char", "char(60) × hmac, siv, ff1: verified clean, a re-run changes 0 cells", scenario_char_padding),
    ("zoo-fk", "foreign keys: refused before any row without ON UPDATE CASCADE; with it both tables hold the tokens", scenario_foreign_keys),
    ("zoo-triggers", "an AFTER UPDATE trigger copying old values: refused, fired (named), or skipped, as the policy says", scenario_triggers),
    ("zoo-generated", "generated columns and CHECK constraints: refused in words before any row, or computed from the tokens", scenario_generated_and_checks),
    ("zoo-copies", "a publication, a materialized view and an expression index are named as copies", scenario_copies_named),
    ("zoo-unicode", "NFC and NFD: two tokens byte-exact, one with the policy's nfc; the plan counts values not in NFC", scenario_unicode),
    ("zoo-status", "a plan then a failed run leave one tokenize/status tag", scenario_one_status_tag),
    ("zoo-worked", "joins, odd names, partitions, no key, citext, jsonb refused, a narrow varchar refused, empty tables", scenario_what_already_worked),
]
