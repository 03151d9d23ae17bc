"""MetadataChangeLog Avro schemas as DataHub GMS registers them, built here field by field.

CURRENT is the layout GMS serves under schema ids 18/19; V1 the older layout under 2/3/11/12 (no
schemaVersion/aspectCreated/aspectModified in SystemMetadata, other namespaces). Tests compare the
Parsing Canonical Form fingerprints with DataHub's published ones to prove the layouts are exact.
"""


def _optional(type_, name, default=None):
    return {"name": name, "type": ["null", type_], "default": default}


def _audit_header(namespace, uuid_type):
    return {
        "type": "record", "name": "KafkaAuditHeader", "namespace": namespace,
        "fields": [
            {"name": "time", "type": "long"},
            {"name": "server", "type": "string"},
            _optional("string", "instance"),
            {"name": "appName", "type": "string"},
            {"name": "messageId", "type": uuid_type},
            _optional("int", "auditVersion"),
            _optional("string", "fabricUrn"),
            _optional("string", "clusterConnectionString"),
        ],
    }


def _system_metadata(namespace, audit_stamp, current):
    fields = [
        {"name": "lastObserved", "type": ["long", "null"], "default": 0},
        {"name": "runId", "type": ["string", "null"], "default": "no-run-id-provided"},
        {"name": "lastRunId", "type": ["string", "null"], "default": "no-run-id-provided"},
        _optional("string", "pipelineName"),
        _optional("string", "registryName"),
        _optional("string", "registryVersion"),
        _optional({"type": "map", "values": "string"}, "properties"),
        _optional("string", "version"),
    ]
    if current:
        fields += [_optional("long", "schemaVersion"), _optional(audit_stamp, "aspectCreated"),
                   _optional("com.linkedin.pegasus2avro.common.AuditStamp", "aspectModified")]
    record = {"type": "record", "name": "SystemMetadata", "fields": fields}
    if namespace:
        record["namespace"] = namespace
    return record


def _audit_stamp(namespace):
    return {
        "type": "record", "name": "AuditStamp", "namespace": namespace,
        "fields": [{"name": "time", "type": "long"}, {"name": "actor", "type": "string"},
                   _optional("string", "impersonator"), _optional("string", "message")],
    }


def _mcl(current):
    mxe = "com.linkedin.pegasus2avro.mxe"
    if current:
        header = _audit_header("com.linkedin.events", {"type": "fixed", "name": "UUID", "namespace": "com.linkedin.events", "size": 16})
        generic = {"type": "record", "name": "GenericAspect", "namespace": mxe,
                   "fields": [{"name": "value", "type": "bytes"}, {"name": "contentType", "type": "string"}]}
        change_type_ns = "com.linkedin.pegasus2avro.events.metadata"
        stamp = _audit_stamp("com.linkedin.pegasus2avro.common")
        system = _system_metadata(mxe, stamp, True)
        generic_ref, system_ref, stamp_ref = f"{mxe}.GenericAspect", f"{mxe}.SystemMetadata", "com.linkedin.pegasus2avro.common.AuditStamp"
    else:
        header = _audit_header("com.linkedin.avro2pegasus.events", {"type": "fixed", "name": "UUID", "size": 16})
        generic = {"type": "record", "name": "GenericAspect",
                   "fields": [{"name": "value", "type": "bytes"}, {"name": "contentType", "type": "string"}]}
        change_type_ns = "com.linkedin.events.metadata"
        system = _system_metadata(None, None, False)
        stamp = _audit_stamp("com.linkedin.common")
        generic_ref, system_ref, stamp_ref = "GenericAspect", "SystemMetadata", None
    return {
        "type": "record", "name": "MetadataChangeLog", "namespace": mxe,
        "fields": [
            _optional(header, "auditHeader"),
            {"name": "entityType", "type": "string"},
            _optional("string", "entityUrn"),
            _optional(generic, "entityKeyAspect"),
            {"name": "changeType", "type": {"type": "enum", "name": "ChangeType", "namespace": change_type_ns,
                                            "symbols": ["UPSERT", "CREATE", "UPDATE", "DELETE", "PATCH", "RESTATE", "CREATE_ENTITY"]}},
            _optional("string", "aspectName"),
            _optional(generic_ref, "aspect"),
            _optional(system, "systemMetadata"),
            _optional({"type": "map", "values": "string"}, "headers"),
            _optional(generic_ref, "previousAspectValue"),
            _optional(system_ref, "previousSystemMetadata"),
            _optional(stamp if stamp_ref is None else stamp_ref, "created"),
        ],
    }


CURRENT = _mcl(True)
V1 = _mcl(False)

# GMS's internal registry ids (SchemaIdOrdinal): which layout each id serves.
SCHEMAS_BY_ID = {2: V1, 3: V1, 11: V1, 12: V1, 18: CURRENT, 19: CURRENT}
