#!/usr/bin/env python3
"""DataHub GMS stand-in for local runs and tests.

Serves what tokenize-action and its tests use of GMS 1.7:
  POST /api/graphql                         GraphQL (schema.graphql, a subset of GMS's real SDL)
  GET  /schema-registry/api/schemas/ids/N   GMS's internal schema registry (MCL ids 2/3/11/12/18/19)
  GET  /schema-registry/api/subjects        registry subjects
  POST /aspects?action=ingestProposal       the REST ingestion endpoint (MCP JSON), as `datahub ingest` uses
  GET  /health                              liveness
and, whenever an aspect changes, emits the MetadataChangeLog a real GMS would: Kafka key = entity URN,
value = Confluent framing (0x00, schema id) + Avro, with previousAspectValue and systemMetadata.
"""
import argparse
import io
import json
import os
import re
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import fastavro
from graphql import ExecutionResult, GraphQLError, build_schema, execute, parse, validate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import serving  # noqa: E402
from mcl_schemas import CURRENT, SCHEMAS_BY_ID  # noqa: E402

DEFAULT_ACTOR = "urn:li:corpuser:datahub"
_request = threading.local()


def current_actor():
    """The actor of the request being served: GMS takes it from the caller's token; the stand-in from the
    X-DataHub-Actor header (default urn:li:corpuser:datahub)."""
    return getattr(_request, "actor", None) or DEFAULT_ACTOR


class Faults:
    """Failures on demand (test control, not a GMS API): answer `status` to matching requests until a deadline.

    POST /standin/faults {"status": 503, "seconds": 20, "paths": ["/api/graphql"], "graphql": "all"|"mutations",
                          "operations": "tokenize"}  (operations: only GraphQL operations whose name has this prefix)
    POST /standin/faults {"clear": true}
    GET  /standin/stats   GraphQL requests and mutations, in all and by the service (operation names tokenize*)
    GET  /standin/requests  the service's GraphQL requests (query and variables), as received
    Test controls under /standin/ need no token."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.counts = {"requests": 0, "mutations": 0, "service_requests": 0, "service_mutations": 0}

    def set(self, body):
        with self.lock:
            if body.get("clear"):
                self.rules = []
            if "status" in body:
                self.rules.append({"status": int(body["status"]), "until": time.time() + float(body.get("seconds", 10)),
                                   "paths": body.get("paths") or ["/"], "graphql": body.get("graphql", "all"),
                                   "operations": body.get("operations", "")})

    def count(self, query_text, operation):
        mutation = query_text.lstrip().startswith("mutation")
        service = (operation or "").startswith("tokenize")
        with self.lock:
            self.counts["requests"] += 1
            self.counts["mutations"] += int(mutation)
            self.counts["service_requests"] += int(service)
            self.counts["service_mutations"] += int(mutation and service)

    def answer(self, path, query_text="", operation=""):
        with self.lock:
            now = time.time()
            self.rules = [r for r in self.rules if r["until"] > now]
            for rule in self.rules:
                if not any(path.startswith(p) for p in rule["paths"]):
                    continue
                if path == "/api/graphql":
                    if rule["graphql"] == "mutations" and not query_text.lstrip().startswith("mutation"):
                        continue
                    if not (operation or "").startswith(rule["operations"]):
                        continue
                return rule["status"]
        return None


# Aspect names and the Pegasus class names GMS keys them by in Rest.li aspect responses.
ASPECT_CLASSES = {
    "globalTags": "com.linkedin.common.GlobalTags",
    "glossaryTerms": "com.linkedin.common.GlossaryTerms",
    "ownership": "com.linkedin.common.Ownership",
    "editableSchemaMetadata": "com.linkedin.schema.EditableSchemaMetadata",
    "editableDatasetProperties": "com.linkedin.dataset.EditableDatasetProperties",
    "datasetProperties": "com.linkedin.dataset.DatasetProperties",
}


def now_ms():
    return int(time.time() * 1000)


def entity_type_of(urn):
    match = re.match(r"^urn:li:([A-Za-z]+):", urn)
    if not match:
        raise ValueError(f"not a URN: {urn}")
    return match.group(1)


class MCLEmitter:
    """Produces MCLs to Kafka, Avro-encoded with the layout of the configured schema id."""

    def __init__(self, bootstrap, topic, schema_id):
        self.topic = topic
        self.schema_id = schema_id
        self.schema = fastavro.parse_schema(SCHEMAS_BY_ID[schema_id])
        self.producer = None
        if bootstrap:
            from confluent_kafka import Producer
            self.producer = Producer({"bootstrap.servers": bootstrap, "client.id": "datahub-standin", "linger.ms": 0})

    def encode(self, record):
        buffer = io.BytesIO()
        buffer.write(b"\x00" + struct.pack(">I", self.schema_id))
        fastavro.schemaless_writer(buffer, self.schema, record)
        return buffer.getvalue()

    def emit(self, urn, aspect_name, new, previous):
        system = {"lastObserved": now_ms(), "runId": "no-run-id-provided", "lastRunId": "no-run-id-provided",
                  "pipelineName": None, "registryName": None, "registryVersion": None, "properties": None, "version": "1"}
        if SCHEMAS_BY_ID[self.schema_id] is CURRENT:
            system.update({"schemaVersion": None, "aspectCreated": None, "aspectModified": None})
        def generic(value):
            return None if value is None else {"value": json.dumps(value, separators=(",", ":")).encode(), "contentType": "application/json"}
        record = {
            "auditHeader": None, "entityType": entity_type_of(urn), "entityUrn": urn, "entityKeyAspect": None,
            "changeType": "UPSERT", "aspectName": aspect_name, "aspect": generic(new), "systemMetadata": system,
            "headers": None, "previousAspectValue": generic(previous),
            "previousSystemMetadata": dict(system) if previous is not None else None,
            "created": {"time": now_ms(), "actor": current_actor(), "impersonator": None, "message": None},
        }
        if self.producer is None:
            return
        self.producer.produce(self.topic, key=urn.encode(), value=self.encode(record))
        self.producer.flush(10)


class Store:
    """In-memory aspects by entity URN, in DataHub's (Pegasus) JSON shapes."""

    def __init__(self, emitter):
        self.lock = threading.RLock()
        self.aspects = {}
        self.emitter = emitter

    def get(self, urn, name):
        return self.aspects.get(urn, {}).get(name)

    def exists(self, urn):
        return bool(self.aspects.get(urn))

    def put(self, urn, name, value):
        with self.lock:
            previous = self.get(urn, name)
            if previous == value:
                return
            self.aspects.setdefault(urn, {})[name] = value
            self.emitter.emit(urn, name, value, previous)

    # --- tags -----------------------------------------------------------------------------------
    def _tag_list(self, holder):
        return [t["tag"] for t in (holder or {}).get("tags", [])]

    def change_tags(self, tag_urns, resource_urn, sub_resource_type, sub_resource, add):
        for tag in tag_urns:
            if add and not self.exists(tag):
                raise GraphQLFailure(f"Failed to update Resource with urn {resource_urn}. Tag {tag} does not exist.")
        if not self.exists(resource_urn):
            raise GraphQLFailure(f"Failed to update Resource with urn {resource_urn}. Entity does not exist.")
        with self.lock:
            if sub_resource_type == "DATASET_FIELD":
                current = self.get(resource_urn, "editableSchemaMetadata") or {
                    "editableSchemaFieldInfo": [], "created": {"actor": current_actor(), "time": now_ms()}}
                updated = json.loads(json.dumps(current))
                infos = updated["editableSchemaFieldInfo"]
                info = next((i for i in infos if i["fieldPath"] == sub_resource), None)
                if info is None:
                    if not add:
                        return
                    info = {"fieldPath": sub_resource}
                    infos.append(info)
                tags = self._tag_list(info.get("globalTags"))
                info["globalTags"] = {"tags": [{"tag": t} for t in self._apply(tags, tag_urns, add)]}
                updated["lastModified"] = {"actor": current_actor(), "time": now_ms()}
                if current.get("editableSchemaFieldInfo") != infos:
                    self.put(resource_urn, "editableSchemaMetadata", updated)
            else:
                tags = self._tag_list(self.get(resource_urn, "globalTags"))
                new_tags = self._apply(tags, tag_urns, add)
                if new_tags != tags or self.get(resource_urn, "globalTags") is None:
                    self.put(resource_urn, "globalTags", {"tags": [{"tag": t} for t in new_tags]})

    @staticmethod
    def _apply(tags, changes, add):
        if add:
            return tags + [t for t in changes if t not in tags]
        return [t for t in tags if t not in changes]


class GraphQLFailure(Exception):
    pass


def tag_view(store, urn):
    props = store.get(urn, "tagProperties") or {}
    name = props.get("name") or urn.split(":", 3)[-1]
    return {"urn": urn, "name": name, "properties": {"name": name, "description": props.get("description")}}


def tags_view(store, holder):
    if holder is None:
        return None
    return {"tags": [{"tag": tag_view(store, t["tag"]), "associatedUrn": ""} for t in holder.get("tags", [])]}


def term_urns(holder):
    """The term URNs of a GlossaryTerms aspect (Pegasus `{"terms": [{"urn": …}]}`)."""
    return [t.get("urn") for t in ((holder or {}).get("terms") or []) if t.get("urn")]


def terms_view(store, holder):
    """GlossaryTerms (Pegasus `{"terms": [{"urn": …}]}`) as GraphQL's GlossaryTerms."""
    if holder is None:
        return None
    def term(urn):
        info = store.get(urn, "glossaryTermInfo")
        return {"__typename": "GlossaryTerm", "urn": urn, "type": "GLOSSARY_TERM", "properties": None if info is None else {"name": info.get("name")}}
    return {"terms": [{"term": term(t["urn"]), "associatedUrn": ""} for t in holder.get("terms", [])]}


def schema_field_entity_view(store, dataset_urn, field_path):
    """The field's schemaField entity, when it exists (its own globalTags and glossaryTerms aspects)."""
    urn = f"urn:li:schemaField:({dataset_urn},{field_path})"
    if not store.exists(urn):
        return None
    return {"__typename": "SchemaFieldEntity", "urn": urn, "type": "SCHEMA_FIELD", "fieldPath": field_path,
            "tags": tags_view(store, store.get(urn, "globalTags")), "glossaryTerms": terms_view(store, store.get(urn, "glossaryTerms"))}


def dataset_view(store, urn):
    props = store.get(urn, "datasetProperties")
    editable = store.get(urn, "editableDatasetProperties")
    schema = store.get(urn, "schemaMetadata")
    editable_schema = store.get(urn, "editableSchemaMetadata")
    name = (props or {}).get("name") or urn
    view = {
        "__typename": "Dataset", "urn": urn, "type": "DATASET", "name": name, "exists": store.exists(urn),
        "properties": None if props is None else {"name": name, "description": props.get("description")},
        "editableProperties": None if editable is None else {"description": editable.get("description"), "name": editable.get("name")},
        "tags": tags_view(store, store.get(urn, "globalTags")),
        "schemaMetadata": None if schema is None else {
            "name": schema.get("schemaName", name),
            "fields": [{"fieldPath": f["fieldPath"], "nativeDataType": f.get("nativeDataType"), "nullable": f.get("nullable", False),
                        "description": f.get("description"), "globalTags": tags_view(store, f.get("globalTags")),
                        "tags": tags_view(store, f.get("globalTags")), "glossaryTerms": terms_view(store, f.get("glossaryTerms")),
                        "schemaFieldEntity": schema_field_entity_view(store, urn, f["fieldPath"])} for f in schema.get("fields", [])]},
        "editableSchemaMetadata": None if editable_schema is None else {
            "editableSchemaFieldInfo": [{"fieldPath": i["fieldPath"], "description": i.get("description"),
                                         "globalTags": tags_view(store, i.get("globalTags")),
                                         "tags": tags_view(store, i.get("globalTags")),
                                         "glossaryTerms": terms_view(store, i.get("glossaryTerms"))} for i in editable_schema.get("editableSchemaFieldInfo", [])]},
        "structuredProperties": structured_view(store, urn),
        "fineGrainedLineages": fine_grained_view(store, urn),
    }
    return view


def field_ref(schema_field_urn):
    """`urn:li:schemaField:(<dataset>,<path>)` as GraphQL's SchemaFieldRef: the dataset URN and the field path."""
    body = schema_field_urn[len("urn:li:schemaField:("):-1]
    depth = 0
    for index, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            return {"urn": body[:index], "path": body[index + 1:]}
    return {"urn": body, "path": ""}


def fine_grained_view(store, urn):
    lineage = store.get(urn, "upstreamLineage")
    if lineage is None or lineage.get("fineGrainedLineages") is None:
        return None
    return [{"upstreams": [field_ref(u) for u in f.get("upstreams", [])], "downstreams": [field_ref(d) for d in f.get("downstreams", [])]}
            for f in lineage["fineGrainedLineages"]]


def lineage_neighbours(store, urn, direction):
    """Datasets one hop from `urn`: DOWNSTREAM ones list it in their upstreamLineage, UPSTREAM ones are listed in its."""
    if direction == "UPSTREAM":
        return [u["dataset"] for u in (store.get(urn, "upstreamLineage") or {}).get("upstreams", [])]
    return sorted(d for d, aspects in store.aspects.items()
                  if d.startswith("urn:li:dataset:") and any(u.get("dataset") == urn for u in (aspects.get("upstreamLineage") or {}).get("upstreams", [])))


def structured_view(store, urn):
    structured = store.get(urn, "structuredProperties")
    if structured is None:
        return None
    entries = []
    for prop in structured.get("properties", []):
        values = []
        for value in prop.get("values", []):
            if "string" in value:
                values.append({"__typename": "StringValue", "stringValue": value["string"]})
            else:
                values.append({"__typename": "NumberValue", "numberValue": value["double"]})
        entries.append({"structuredProperty": {"urn": prop["propertyUrn"], "exists": store.exists(prop["propertyUrn"])},
                        "values": values, "associatedUrn": urn})
    return {"properties": entries}


class Root:
    """GraphQL resolvers: graphql-core calls root attributes with (info, **args)."""

    def __init__(self, store):
        self.store = store

    def scrollAcrossEntities(self, info, input):
        """Search by tag and glossary term as GMS's index does: `tags` (dataset globalTags), `fieldTags` (schemaMetadata
        field tags), `editedFieldTags` (editableSchemaMetadata field tags), and `glossaryTerms`, `fieldGlossaryTerms`,
        `editedFieldGlossaryTerms` the same for terms; orFilters of andFilters; scrollId is an offset."""
        def field_values(urn, field):
            if field == "tags":
                return set(self.store._tag_list(self.store.get(urn, "globalTags")))
            if field == "fieldTags":
                fields = (self.store.get(urn, "schemaMetadata") or {}).get("fields", [])
                return set().union(*[set(self.store._tag_list(f.get("globalTags"))) for f in fields])
            if field == "editedFieldTags":
                infos = (self.store.get(urn, "editableSchemaMetadata") or {}).get("editableSchemaFieldInfo", [])
                return set().union(*[set(self.store._tag_list(i.get("globalTags"))) for i in infos])
            if field == "glossaryTerms":
                return set(term_urns(self.store.get(urn, "glossaryTerms")))
            if field == "fieldGlossaryTerms":
                fields = (self.store.get(urn, "schemaMetadata") or {}).get("fields", [])
                return set().union(*[set(term_urns(f.get("glossaryTerms"))) for f in fields])
            if field == "editedFieldGlossaryTerms":
                infos = (self.store.get(urn, "editableSchemaMetadata") or {}).get("editableSchemaFieldInfo", [])
                return set().union(*[set(term_urns(i.get("glossaryTerms"))) for i in infos])
            return set()

        def matches(urn):
            clauses = input.get("orFilters") or [{"and": []}]
            return any(all(set(c.get("values") or []) & field_values(urn, c["field"]) for c in clause.get("and") or []) for clause in clauses)

        prefixes = {"DATASET": "urn:li:dataset:", "SCHEMA_FIELD": "urn:li:schemaField:"}
        wanted = tuple(prefixes[t] for t in (input.get("types") or ["DATASET"]) if t in prefixes)
        with self.store.lock:
            urns = sorted(u for u in self.store.aspects if u.startswith(wanted) and matches(u))
        start = int(input.get("scrollId") or 0)
        count = input.get("count") or 10
        page = urns[start:start + count]
        next_id = str(start + count) if start + count < len(urns) else None
        return {"nextScrollId": next_id, "count": len(page), "total": len(urns),
                "searchResults": [{"entity": {"__typename": "SchemaFieldEntity", "urn": u, "type": "SCHEMA_FIELD", "fieldPath": u.rsplit(",", 1)[-1][:-1]}
                                   if u.startswith("urn:li:schemaField:") else {"__typename": "Dataset", "urn": u, "type": "DATASET"}} for u in page]}

    def searchAcrossLineage(self, info, input):
        """Breadth-first over upstreamLineage, degree = shortest hop count; a `degree` filter takes "1", "2" and "3+"
        as GMS does; start/count page the results."""
        wanted = None
        for clause in input.get("orFilters") or []:
            for condition in clause.get("and") or []:
                if condition["field"] == "degree":
                    wanted = set(condition.get("values") or [])
        with self.store.lock:
            degrees, frontier, found = {input["urn"]: 0}, [input["urn"]], []
            degree = 0
            while frontier and degree < 50:
                degree += 1
                following = []
                for node in frontier:
                    for neighbour in lineage_neighbours(self.store, node, input["direction"]):
                        if neighbour not in degrees:
                            degrees[neighbour] = degree
                            following.append(neighbour)
                            label = str(degree) if degree < 3 else "3+"
                            if wanted is None or label in wanted:
                                found.append((neighbour, degree))
                frontier = following
            results = [{"entity": dataset_view(self.store, u), "degree": d} for u, d in found]
        start, count = input.get("start") or 0, input.get("count") or 10
        page = results[start:start + count]
        return {"start": start, "count": len(page), "total": len(results), "searchResults": page}

    def corpUser(self, info, urn):
        """A user; `relationships` answers IsMemberOfNativeGroup (nativeGroupMembership) and IsMemberOfGroup
        (groupMembership, as identity-provider sync writes it), OUTGOING, paged by start/count."""
        def relationships(info, input):
            found = []
            if input["direction"] == "OUTGOING":
                for kind, aspect, key in (("IsMemberOfNativeGroup", "nativeGroupMembership", "nativeGroups"),
                                          ("IsMemberOfGroup", "groupMembership", "groups")):
                    if kind in input["types"]:
                        found += [(kind, group) for group in (self.store.get(urn, aspect) or {}).get(key, [])]
            start, count = input.get("start") or 0, input.get("count") or 10
            page = found[start:start + count]
            return {"start": start, "count": len(page), "total": len(found),
                    "relationships": [{"type": kind, "direction": "OUTGOING",
                                       "entity": {"__typename": "CorpGroup", "urn": group, "type": "CORP_GROUP"}} for kind, group in page]}
        return {"__typename": "CorpUser", "urn": urn, "type": "CORP_USER", "relationships": relationships}

    def createGroup(self, info, input):
        group_id = input.get("id") or input["name"]
        urn = f"urn:li:corpGroup:{group_id}"
        self.store.put(urn, "corpGroupKey", {"name": group_id})
        self.store.put(urn, "corpGroupInfo", {k: v for k, v in {"displayName": input["name"], "description": input.get("description"),
                                                                  "admins": [], "members": [], "groups": []}.items() if v is not None})
        return urn

    def addGroupMembers(self, info, input):
        group = input["groupUrn"]
        if not self.store.exists(group):
            raise GraphQLFailure(f"Failed to add members to group {group}: group does not exist")
        for user in input["userUrns"]:
            with self.store.lock:
                current = (self.store.get(user, "nativeGroupMembership") or {}).get("nativeGroups", [])
                if group not in current:
                    self.store.put(user, "nativeGroupMembership", {"nativeGroups": current + [group]})
        return True

    def entityExists(self, info, urn):
        return self.store.exists(urn)

    def dataset(self, info, urn):
        return dataset_view(self.store, urn)

    def tag(self, info, urn):
        return tag_view(self.store, urn)

    def createTag(self, info, input):
        tag_id = input.get("id") or input["name"]
        urn = f"urn:li:tag:{tag_id}"
        with self.store.lock:
            if self.store.exists(urn):
                raise GraphQLFailure("This Tag already exists!")  # CreateTagResolver's IllegalArgumentException
            self.store.put(urn, "tagKey", {"name": tag_id})
        self.store.put(urn, "tagProperties", {k: v for k, v in {"name": input["name"], "description": input.get("description")}.items() if v is not None})
        return urn

    def addTag(self, info, input):
        self.store.change_tags([input["tagUrn"]], input["resourceUrn"], input.get("subResourceType"), input.get("subResource"), True)
        return True

    def removeTag(self, info, input):
        self.store.change_tags([input["tagUrn"]], input["resourceUrn"], input.get("subResourceType"), input.get("subResource"), False)
        return True

    def batchAddTags(self, info, input):
        for resource in input["resources"]:
            self.store.change_tags(input["tagUrns"], resource["resourceUrn"], resource.get("subResourceType"), resource.get("subResource"), True)
        return True

    def batchRemoveTags(self, info, input):
        for resource in input["resources"]:
            if resource is not None:
                self.store.change_tags(input["tagUrns"], resource["resourceUrn"], resource.get("subResourceType"), resource.get("subResource"), False)
        return True

    def updateDataset(self, info, urn, input):
        if not self.store.exists(urn):
            raise GraphQLFailure(f"Failed to update {urn}. Entity does not exist.")
        editable = input.get("editableProperties")
        if editable is not None:
            value = {"description": editable["description"], "created": {"actor": current_actor(), "time": now_ms()},
                     "lastModified": {"actor": current_actor(), "time": now_ms()}}
            if editable.get("name") is not None:
                value["name"] = editable["name"]
            previous = self.store.get(urn, "editableDatasetProperties") or {}
            if {k: previous.get(k) for k in ("description", "name")} != {k: value.get(k) for k in ("description", "name")}:
                self.store.put(urn, "editableDatasetProperties", value)
        return dataset_view(self.store, urn)

    def createStructuredProperty(self, info, input):
        qualified = input.get("qualifiedName") or input.get("id")
        urn = f"urn:li:structuredProperty:{input.get('id') or qualified}"
        if self.store.exists(urn):
            raise GraphQLFailure("A structured property already exists with this urn")
        self.store.put(urn, "propertyDefinition", {
            "qualifiedName": qualified, "displayName": input.get("displayName"), "valueType": input["valueType"],
            "entityTypes": input["entityTypes"], "cardinality": input.get("cardinality") or "SINGLE",
            "description": input.get("description")})
        return {"urn": urn, "exists": True}

    def upsertStructuredProperties(self, info, input):
        urn = input["assetUrn"]
        if not self.store.exists(urn):
            raise GraphQLFailure(f"Unable to upsert structured properties: {urn} does not exist")
        current = json.loads(json.dumps(self.store.get(urn, "structuredProperties") or {"properties": []}))
        for param in input["structuredPropertyInputParams"]:
            prop_urn = param["structuredPropertyUrn"]
            if not self.store.exists(prop_urn):
                raise GraphQLFailure(f"Structured property {prop_urn} does not exist")
            values = [{"string": v["stringValue"]} if v.get("stringValue") is not None else {"double": v["numberValue"]} for v in param["values"]]
            current["properties"] = [p for p in current["properties"] if p["propertyUrn"] != prop_urn]
            current["properties"].append({"propertyUrn": prop_urn, "values": values})
        self.store.put(urn, "structuredProperties", current)
        return structured_view(self.store, urn)


class ValidatedDocuments:
    """GraphQL documents parsed and validated once per query text, then executed per request: what graphql_sync does,
    without parsing and validating the same text again. graphql-core spends about 5 ms of the GIL on that per request
    (GMS, in Java, well under one), so the service's parallel requests queued behind it here and the stand-in, not
    the service, set the pace. A text that does not parse or validate answers its errors each time, as before."""

    def __init__(self, schema):
        self.schema = schema
        self.lock = threading.Lock()
        self.documents = {}

    def _document(self, text):
        with self.lock:
            known = self.documents.get(text)
        if known is not None:
            return known
        try:
            document = parse(text)
            known = (document, validate(self.schema, document))
        except GraphQLError as error:
            known = (None, [error])
        with self.lock:
            if len(self.documents) < 1000:
                self.documents[text] = known
        return known

    def execute(self, text, root, variables, operation):
        document, errors = self._document(text)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        return execute(self.schema, document, root_value=root, variable_values=variables, operation_name=operation)


class Handler(BaseHTTPRequestHandler):
    server_version = "datahub-standin/1.0"
    # GMS (Jetty) keeps HTTP/1.1 connections open between requests; so does the stand-in. Every answer carries a
    # Content-Length and every request body is read in full, even one refused, so the next request on the
    # connection starts where it should.
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without TCP_NODELAY the body waits for the client's delayed ACK
    # (40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if os.environ.get("STANDIN_VERBOSE"):
            super().log_message(fmt, *args)

    def _send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def _fault(self, path, query_text="", operation=""):
        status = self.server.faults.answer(path, query_text, operation)
        if status is None:
            return False
        self._send(status, {"error": f"injected failure {status}"})
        return True

    def do_GET(self):
        path = urlparse(self.path).path
        _request.actor = self.headers.get("X-DataHub-Actor")
        if path == "/standin/requests":
            with self.server.faults.lock:
                return self._send(200, {"requests": list(self.server.service_requests)})
        if path == "/standin/stats":
            with self.server.faults.lock:
                return self._send(200, dict(self.server.faults.counts))
        if self._fault(path):
            return
        if path in ("/health", "/health/"):
            return self._send(200, b"GOOD", "text/plain")
        match = re.match(r"^/schema-registry/api/schemas/ids/(\d+)/?$", path)
        if match:
            schema = SCHEMAS_BY_ID.get(int(match.group(1)))
            if schema is None:
                return self._send(404, {"error_code": 40403, "message": "Schema not found"})
            return self._send(200, {"schema": json.dumps(schema)}, "application/vnd.schemaregistry.v1+json")
        if path.rstrip("/") == "/schema-registry/api/subjects":
            return self._send(200, [f"{self.server.topic}-value"], "application/vnd.schemaregistry.v1+json")
        if path.rstrip("/") == "/config":
            # What the DataHub CLI's DataHubGraph checks before it talks to GMS.
            return self._send(200, {"noCode": "true", "versions": {"acryldata/datahub": {"version": "v1.7.0"}}})
        match = re.match(r"^/aspects/([^/]+)$", path)
        if match:
            # Rest.li aspect read, as DataHubGraph.get_aspect does it (PATCH transformers read current tags).
            urn = unquote(match.group(1))
            name = (parse_qs(urlparse(self.path).query).get("aspect") or [""])[0]
            value = self.server.store.get(urn, name)
            if value is None or name not in ASPECT_CLASSES:
                return self._send(404, {"message": f"no aspect {name} for {urn}"})
            return self._send(200, {"aspect": {ASPECT_CLASSES[name]: value}, "version": 0})
        self._send(404, {"error": f"no route {path}"})

    def do_POST(self):
        parsed = urlparse(self.path)
        store = self.server.store
        token = self.server.required_token
        try:
            body = self._body()
        except ValueError:
            body = ValueError
        if token and not parsed.path.startswith("/standin/") and self.headers.get("Authorization") != f"Bearer {token}":
            return self._send(401, {"error": "Unauthorized"})
        if body is ValueError:
            return self._send(400, {"error": "body is not JSON"})
        _request.actor = self.headers.get("X-DataHub-Actor")
        if parsed.path == "/standin/faults":
            self.server.faults.set(body)
            return self._send(200, {"ok": True})
        if parsed.path == "/standin/delete":
            with store.lock:
                store.aspects.pop(body.get("urn", ""), None)
            return self._send(200, {"ok": True})
        if parsed.path == "/standin/schemas":
            SCHEMAS_BY_ID[int(body["id"])] = body["schema"]  # serve another writer schema id (test control)
            return self._send(200, {"ok": True})
        query_text = body.get("query", "") if isinstance(body, dict) else ""
        operation = body.get("operationName") if isinstance(body, dict) else None
        if self._fault(parsed.path, query_text, operation):
            return
        if parsed.path == "/api/graphql":
            self.server.faults.count(query_text, operation)
            if (operation or "").startswith("tokenize"):
                with self.server.faults.lock:
                    self.server.service_requests.append(body)
            result = self.server.documents.execute(body.get("query", ""), Root(store), body.get("variables"), body.get("operationName"))
            response = {"data": result.data}
            if result.errors:
                response["errors"] = [{"message": e.message, "path": e.path} for e in result.errors]
            return self._send(200, response)
        if parsed.path == "/aspects" and parse_qs(parsed.query).get("action") == ["ingestProposal"]:
            proposal = body.get("proposal") or {}
            try:
                urn = proposal["entityUrn"]
                aspect_name = proposal["aspectName"]
                aspect = proposal["aspect"]
                value = json.loads(aspect["value"]) if isinstance(aspect["value"], str) else aspect["value"]
            except (KeyError, TypeError, ValueError) as error:
                return self._send(400, {"message": f"bad proposal: {error}"})
            if proposal.get("changeType", "UPSERT") not in ("UPSERT", "CREATE"):
                return self._send(400, {"message": "only UPSERT/CREATE proposals are supported by the stand-in"})
            store.put(urn, aspect_name, value)
            return self._send(200, {"value": urn})
        if parsed.path == "/standin/reset":
            with store.lock:
                store.aspects.clear()
            return self._send(200, {"ok": True})
        self._send(404, {"error": f"no route {parsed.path}"})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--kafka-bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--topic", default="MetadataChangeLog_Versioned_v1")
    parser.add_argument("--schema-id", type=int, default=19, choices=sorted(SCHEMAS_BY_ID),
                        help="registry id put on emitted MCLs (18/19 current layout, 2/3/11/12 v1 layout)")
    parser.add_argument("--token", default=os.environ.get("STANDIN_REQUIRED_TOKEN"), help="require this bearer token")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    args = parser.parse_args()

    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.graphql")) as handle:
        schema = build_schema(handle.read())
    # socketserver's listen backlog is 5: more clients connecting at once (the service checks its tags together)
    # would have their SYNs dropped and retried a second later. GMS's Jetty accepts far more.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.schema = schema
    server.documents = ValidatedDocuments(schema)
    server.topic = args.topic
    server.required_token = args.token
    server.store = Store(MCLEmitter(args.kafka_bootstrap, args.topic, args.schema_id))
    server.faults = Faults()
    server.service_requests = []  # every GraphQL request the service sent (operations tokenize*), as received
    serving.serve(server, f"datahub-standin listening on http://{args.host}:{{port}} (kafka={args.kafka_bootstrap or 'off'}, "
                          f"schema id {args.schema_id})", args.port_file)


if __name__ == "__main__":
    main()
