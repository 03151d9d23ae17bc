"""Plans (dry runs), PII discovery by value sampling and field identity: what a steward sees before anything
changes, and which columns the service finds on its own."""
import urllib.parse

from common import COLUMNS, PII, ROWS, Failure, expect, check_tokenized

PLAN_BEGIN = "<!-- tokenize-action:plan:begin -->"


def wait_plan(env, urn, after_run_id=None):
    """The dataset's newest run once it is a settled, written-back plan."""
    def planned():
        run = env.ledger_run(urn)
        if run and run["run_id"] != after_run_id and run["scope"].get("kind") == "plan" and run["status"] not in ("QUEUED", "RUNNING") \
                and run["write_back"]["state"] != "pending":
            return run
        return None
    return env.wait_for(f"a plan of {urn}", planned)


def scenario_plan_by_tag(env, state):
    """tokenize/plan on a dataset: a PLANNED run in the ledger, not one row changed, the plan's own section in the
    documentation (the user's text kept), tokenize/plan flipped to tokenize/status:PLANNED."""
    table = f"{env.prefix}_planned"
    env.create_table(table)
    before = env.rows(table)
    urn = env.register_dataset(table)
    env.add_tag(urn, "tokenize/plan")
    run = wait_plan(env, urn)
    expect(run["status"] == "PLANNED" and run["rows_updated"] == 0, f"plan: {run}")
    expect(env.rows(table) == before, "a plan changed rows")
    names = [column["name"] for column in run["plan"]["columns"]]
    expect(sorted(names) == sorted(PII), f"the plan resolves like a run (names look personal): {names}")
    email = next(column for column in run["plan"]["columns"] if column["name"] == "email")
    expect(email["to_change"] == 3 and email["counted"] and email["empty"] == 1, f"email: 3 values to change, 1 NULL: {email}")
    dataset = env.dataset(urn)
    tags = env.tag_set(dataset["tags"])
    expect("urn:li:tag:tokenize/status:PLANNED" in tags and "urn:li:tag:tokenize/plan" not in tags, f"tags: {sorted(tags)}")
    doc = dataset["editableProperties"]["description"]
    expect("Customer master data" in doc and doc.count(PLAN_BEGIN) == 1 and run["run_id"] in doc, f"plan section: {doc}")
    expect("<!-- tokenize-action:begin -->" not in doc, "a plan wrote the run's section")
    for row in ROWS:
        for value in row:
            expect(not value or len(value) < 4 or value not in doc, f"a value reached DataHub: {value!r}")
    expect(env.last_run(dataset) is None, "a plan does not set last_tokenization_run")
    # The demo table (shop.public.customers, as `make ingest` catalogues it): a plan changes none of its rows either.
    demo = env.urn("customers")
    if not env.exists(demo):
        env.register_dataset("customers")
    rows_before = env.sql(f"SELECT {', '.join(COLUMNS)} FROM public.customers ORDER BY id")
    status, demo_plan = env.api("POST", "/plan?wait=true", {"dataset": demo})
    expect(status == 200 and demo_plan["status"] == "PLANNED" and demo_plan["write_back"]["state"] == "done", f"POST /plan on customers: {status} {demo_plan}")
    expect(env.sql(f"SELECT {', '.join(COLUMNS)} FROM public.customers ORDER BY id") == rows_before, "a plan changed the demo table")
    demo_doc = env.dataset(demo)["editableProperties"]["description"]
    expect(demo_doc.count(PLAN_BEGIN) == 1 and demo_plan["run_id"] in demo_doc, f"the demo table's plan section: {demo_doc}")


def scenario_plan_discovers(env, state):
    """POST /plan on a table whose columns have meaningless names: a run would find no column, and the plan proposes
    exactly the columns holding e-mails, card numbers and IBANs (value sampling), not the order numbers or notes;
    with DISCOVERY_TAG_FIELDS it tags those fields pii:<kind>, and a run then tokenizes exactly them."""
    table = f"{env.prefix}_unlabelled"
    env.sql(f"CREATE TABLE public.{table} (id bigserial PRIMARY KEY, c1 text, c2 text, c3 varchar(64), c4 text, c5 text)")
    env.sql(f"""INSERT INTO public.{table} (c1, c2, c3, c4, c5)
        SELECT 'person.' || g || '@example.org',
               (ARRAY['4111 1111 1111 1111', '5555555555554444', '378282246310005', '6011111111111117'])[1 + g % 4],
               (ARRAY['GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', 'FR1420041010050500013M02606'])[1 + g % 3],
               'ORD-2026-' || lpad(g::text, 6, '0'), 'called about invoice ' || g
        FROM generate_series(1, 60) g""")
    before = env.sql(f"SELECT c1, c2, c3, c4, c5 FROM public.{table} ORDER BY id")
    urn = env.register_dataset(table, field_paths=["id", "c1", "c2", "c3", "c4", "c5"])
    status, run = env.api("POST", "/plan?wait=true", {"dataset": urn})
    expect(status == 200 and run["status"] == "PLANNED" and run["columns"] == [], f"POST /plan: {status} {run}")
    proposed = {column: found[0]["kind"] for column, found in run["plan"]["proposed"].items()}
    expect(proposed == {"c1": "email", "c2": "credit_card", "c3": "iban"}, f"proposed {proposed}")
    expect(env.sql(f"SELECT c1, c2, c3, c4, c5 FROM public.{table} ORDER BY id") == before, "a plan changed rows")
    dataset = env.wait_for("the plan's write-back", lambda: (lambda d: d if "urn:li:tag:tokenize/status:PLANNED" in env.tag_set(d["tags"]) else None)(env.dataset(urn)))
    tagged = {field: env.field_tags(dataset, field) for field in ["c1", "c2", "c3", "c4", "c5"]}
    expect(tagged == {"c1": {"urn:li:tag:pii:email"}, "c2": {"urn:li:tag:pii:credit_card"}, "c3": {"urn:li:tag:pii:iban"}, "c4": set(), "c5": set()},
           f"DISCOVERY_TAG_FIELDS: {tagged}")
    env.add_tag(urn, "tokenize/run")
    _, tokenized = env.wait_for_run(urn)
    expect(tokenized["status"] == "SUCCESS" and tokenized["columns"] == ["c1", "c2", "c3"] and tokenized["rows_updated"] == 60,
           f"the run after the plan tokenizes the pii-tagged fields: {tokenized}")
    after = env.sql(f"SELECT c1, c2, c3, c4, c5 FROM public.{table} ORDER BY id")
    expect(all(row[3:] == old[3:] and all(value != original for value, original in zip(row[:3], old[:3])) for row, old in zip(after, before)),
           "c1..c3 tokenized, c4 and c5 unchanged")


def scenario_field_entity_and_terms(env, state):
    """Field identity beyond the schema aspects: the trigger on a field's own schemaField entity tokenizes that column
    and is removed from the entity; a dataset-level trigger counts a field with DataHub's classifier term
    (Email_Address) as PII, like a pii tag."""
    table = f"{env.prefix}_fieldentity"
    env.create_table(table)
    urn = env.register_dataset(table)
    field_urn = f"urn:li:schemaField:({urn},phone)"
    env.ingest(field_urn, "status", {"removed": False}, entity_type="schemaField")
    env.graphql("mutation m($input: BatchAddTagsInput!) { batchAddTags(input: $input) }",
                {"input": {"tagUrns": [env.ensure_tag("tokenize/run")], "resources": [{"resourceUrn": field_urn}]}})
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS" and run["columns"] == ["phone"], f"trigger on the schemaField entity: {run}")
    check_tokenized(env, table, ["phone"])
    entity_tags = env.graphql("""query d($urn: String!) { dataset(urn: $urn) { schemaMetadata { fields { fieldPath
        schemaFieldEntity { tags { tags { tag { urn } } } } } } } }""", {"urn": urn})["dataset"]["schemaMetadata"]["fields"]
    phone = next(f for f in entity_tags if f["fieldPath"] == "phone")
    expect("urn:li:tag:tokenize/run" not in env.tag_set((phone["schemaFieldEntity"] or {}).get("tags")), f"trigger left on the entity: {phone}")

    termed = f"{env.prefix}_termed"
    env.create_table(termed)
    termed_urn = env.register_dataset(termed)
    fields = [{"fieldPath": c, "nativeDataType": "text", "type": {"type": {"com.linkedin.schema.StringType": {}}}, "nullable": True,
               "recursive": False, "isPartOfKey": False} for c in ["id"] + COLUMNS]
    fields[COLUMNS.index("email") + 1]["glossaryTerms"] = {"terms": [{"urn": "urn:li:glossaryTerm:Classification.Email_Address"}],
                                                          "auditStamp": {"time": 0, "actor": "urn:li:corpuser:datahub"}}
    env.ingest(termed_urn, "schemaMetadata", {
        "schemaName": f"public.{termed}", "platform": "urn:li:dataPlatform:postgres", "version": 0,
        "created": {"time": 0, "actor": "urn:li:corpuser:unknown"}, "lastModified": {"time": 0, "actor": "urn:li:corpuser:unknown"},
        "hash": "", "platformSchema": {"com.linkedin.schema.MySqlDDL": {"tableSchema": ""}}, "fields": fields})
    env.add_tag(termed_urn, "tokenize/run")
    _, run = env.wait_for_run(termed_urn)
    expect(run["status"] == "SUCCESS" and run["columns"] == ["email"], f"the Email_Address term marks email as PII: {run}")


def scenario_field_path_v2(env, state):
    """A dataset catalogued with v2 field paths (`[version=2.0].[type=string].email`): the trigger on that field
    tokenizes the email column and nothing else, and its field tags flip."""
    table = f"{env.prefix}_v2paths"
    env.create_table(table)
    paths = {column: f"[version=2.0].[type=string].{column}" for column in ["id"] + COLUMNS}
    urn = env.register_dataset(table, field_paths=list(paths.values()))
    env.add_tag(urn, "tokenize/run", field=paths["email"])
    dataset, run = env.wait_for_run(urn)
    expect(run["status"] == "SUCCESS" and run["columns"] == ["email"], f"v2 field path run: {run}")
    check_tokenized(env, table, ["email"])
    tags = env.field_tags(dataset, paths["email"])
    expect("urn:li:tag:tokenize/run" not in tags and "urn:li:tag:tokenize/status:SUCCESS" in tags, f"field tags: {tags}")


def lineage(env, downstream_urn, upstream_urn, column_edges=()):
    """Records, as ingestion does, that `downstream_urn` is made from `upstream_urn` (upstreamLineage), with
    column-level edges (upstream field, downstream field)."""
    audit = {"time": 0, "actor": "urn:li:corpuser:datahub"}
    env.ingest(downstream_urn, "upstreamLineage", {
        "upstreams": [{"dataset": upstream_urn, "type": "TRANSFORMED", "auditStamp": audit}],
        "fineGrainedLineages": [{"upstreamType": "FIELD_SET", "upstreams": [f"urn:li:schemaField:({upstream_urn},{up})"],
                                 "downstreamType": "FIELD", "downstreams": [f"urn:li:schemaField:({downstream_urn},{down})"]}
                                for up, down in column_edges]})


def scenario_downstream_copies(env, state):
    """After the upstream's SUCCESS, its downstream copies from DataHub's lineage are listed in the run record and the
    documentation: a copy with the same column names (degree 1) and a mart whose `contact_mail` a column-level edge
    feeds from the copy's email (degree 2). With PROPAGATE_DOWNSTREAM (the e2e service has it) tokenize/run is added
    to exactly those fields, and the copies are tokenized by the same machinery."""
    upstream = f"{env.prefix}_lineage_src"
    copy = f"{env.prefix}_lineage_copy"
    mart = f"{env.prefix}_lineage_mart"
    env.create_table(upstream)
    env.create_table(copy)
    env.sql(f"CREATE TABLE public.{mart} (id bigserial PRIMARY KEY, contact_mail text, region text)")
    env.sql(f"INSERT INTO public.{mart} (contact_mail, region) SELECT email, city FROM public.{copy}")
    upstream_urn = env.register_dataset(upstream)
    copy_urn = env.register_dataset(copy)
    mart_urn = env.register_dataset(mart, field_paths=["id", "contact_mail", "region"])
    lineage(env, copy_urn, upstream_urn)
    lineage(env, mart_urn, copy_urn, [("email", "contact_mail")])
    env.add_tag(upstream_urn, "tokenize/run")
    dataset, run = env.wait_for_run(upstream_urn)
    expect(run["status"] == "SUCCESS", f"upstream run: {run}")
    status, ledger = env.api("GET", f"/runs/{run['run_id']}")
    expect(status == 200, f"GET /runs: {status} {ledger}")
    copies = {c["dataset"]: c for c in ledger["downstream"]["copies"]}
    expect(set(copies) == {copy_urn, mart_urn}, f"downstream copies: {ledger['downstream']}")
    expect(sorted(copies[copy_urn]["fields"]) == sorted(PII) and copies[copy_urn]["degree"] == 1, f"the copy: {copies[copy_urn]}")
    expect(copies[mart_urn]["fields"] == ["contact_mail"] and copies[mart_urn]["degree"] == 2, f"the mart: {copies[mart_urn]}")
    expect(all(c["propagated"] for c in copies.values()), f"propagated: {copies}")
    doc = dataset["editableProperties"]["description"]
    expect("| Downstream copies | 2 downstream dataset(s) may still hold these values" in doc, f"doc: {doc}")
    # The trigger lands on each field (one MCL per field, as GMS writes them), so the copy may take several runs.
    def settled(check):
        def attempt():
            try:
                check()
                return True
            except Failure:
                return None
        return env.wait_for("the propagated runs", attempt)
    settled(lambda: check_tokenized(env, copy, PII))
    originals = [row[2] for row in ROWS if row[2]]
    def mart_tokenized():
        mails = [row[0] for row in env.sql(f"SELECT contact_mail FROM public.{mart} WHERE contact_mail <> '' ORDER BY id")]
        expect(mails == [env.expected_token(value) for value in originals], f"the mart's contact_mail: {mails}")
    settled(mart_tokenized)
    expect(env.sql(f"SELECT count(DISTINCT region) FROM public.{mart}")[0][0] == "4", "the mart's region is untouched")
    for urn in (copy_urn, mart_urn):
        status, listed = env.api("GET", f"/runs?dataset={urllib.parse.quote(urn)}&limit=20")
        statuses = {run["status"] for run in listed["runs"]}
        expect(status == 200 and "SUCCESS" in statuses and statuses <= {"SUCCESS", "COALESCED", "QUEUED", "RUNNING"}, f"runs on {urn}: {statuses}")

