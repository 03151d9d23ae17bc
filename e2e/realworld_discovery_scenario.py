"""A plan on a table of real-world formats written the many ways people and other systems write them: it proposes
exactly the columns holding personal data (the columns are named v01…v14, so names cannot help), and none of the look-alikes (ISBNs, versions, prices, IMEIs, hashes)."""
import json

from common import expect

COLUMNS = {
    "v01": ["ivan@пример.рф", "maria.rossi@example.it", "li.wei@example.xn--fiqs8s", "o'brien@example.ie"],
    "v02": ["91-415-555-0132", "+90 532 123 45 67", "(212) 555-0199", "020 7946 0958", "0090 532 123 45 67", "+49 30 901820"],
    "v03": ["ME25 5050 0001 2345 6789 51", "AL47-2121-1009-0000-0002-3569-8741", "DE89.3704.0044.0532.0130.00", "BE68539007547034"],
    "v04": ["135410014004955", "5019 5555 4444 5555", "6759649826438453", "4111-1111-1111-1111"],
    "v05": ["078.05.1123", "536-22-8726", "212 74 1956", "601.14.3342"],
    "v06": ["192.168.1.0/24", "fe80::1%eth0", "2001:db8::1", "10.0.0.7"],
    "v07": ["5/20/1981", "21.5.1979", "5-May-1990", "05/21/84", "May 5, 1966"],
    "v08": ["943 476 5919", "943-476-5919", "9434765919"],
    "v09": ["RSSMRA85T10A562S", "BNCGVN70A01F205K"],
    "v10": ["0-306-40615-2", "1-903153-56-5", "0-13-376108-8"],
    "v11": ["1.23.66", "11.10.32", "2.0.1", "6.15.19"],
    "v12": ["54967.03", "48020.43", "199.99"],
    "v13": ["490154203237518", "353918051234563"],
    "v14": ["5d41402abc4b2a76b9719d911017c592", "7c4a8d09ca3762af61e59520943dc26494f8941b"],
}
PII = {"v01": "email", "v02": "phone", "v03": "iban", "v04": "credit_card", "v05": "us_ssn", "v06": "ip_address",
       "v07": "date_of_birth", "v08": "uk_nhs", "v09": "it_fiscal_code"}


def scenario_plan_on_real_world_formats(env, _state):
    table = f"{env.prefix}_realworld"
    names = list(COLUMNS)
    env.sql(f"CREATE TABLE public.{table} (id bigserial PRIMARY KEY, " + ", ".join(f"{n} text" for n in names) + ")")
    for row in range(60):
        values = []
        for name in names:
            value = COLUMNS[name][row % len(COLUMNS[name])]
            values.append("'" + value.replace("'", "''") + "'")
        env.sql(f"INSERT INTO public.{table} ({', '.join(names)}) VALUES ({', '.join(values)})")
    urn = env.register_dataset(table, field_paths=["id"] + names)
    status, run = env.api("POST", "/plan?wait=true", {"dataset": urn})
    expect(status == 200 and run["status"] == "PLANNED", f"POST /plan: {status} {run}")
    proposed = {column: found[0]["kind"] for column, found in run["plan"]["proposed"].items()}
    expect(proposed == PII, f"proposed exactly the personal data: {proposed}, wanted {PII}")

    # A steward dismisses one finding (the pii tag the plan put there removed, tokenize/not-pii added): the next plan
    # lists it as dismissed, neither chooses nor tags it again, and says so in its audit trail.
    env.graphql("mutation m($input: BatchRemoveTagsInput!) { batchRemoveTags(input: $input) }",
                {"input": {"tagUrns": ["urn:li:tag:pii:it_fiscal_code"],
                           "resources": [{"resourceUrn": urn, "subResourceType": "DATASET_FIELD", "subResource": "v09"}]}})
    env.add_tag(urn, "tokenize/not-pii", field="v09")
    status, again = env.api("POST", "/plan?wait=true", {"dataset": urn})
    expect(status == 200 and again["status"] == "PLANNED", f"second plan: {status} {again}")
    expect(sorted(again["columns"]) == sorted(k for k in PII if k != "v09"), f"a run would take the pii-tagged fields, not v09: {again['columns']}")
    expect(not again["plan"]["proposed"] and list(again["plan"].get("dismissed", {})) == ["v09"],
           f"v09 listed as dismissed, not proposed: {again['plan']}")
    dataset = env.dataset(urn)
    expect("urn:li:tag:pii:it_fiscal_code" not in env.field_tags(dataset, "v09"), "the dismissed field is not tagged again")
    status, trail = env.api("GET", f"/runs/{again['run_id']}/events")
    expect(status == 200 and any(e["kind"] == "resolved" and "v09 (tokenize/not-pii)" in json.dumps(e["data"]) for e in trail["events"]),
           f"the audit trail names the dismissal: {trail}")


SCENARIOS = [
    ("discovery-real", "POST /plan on real-world formats proposes exactly the 9 PII columns, none of 5 look-alikes; a dismissed finding stays dismissed",
     scenario_plan_on_real_world_formats),
]
