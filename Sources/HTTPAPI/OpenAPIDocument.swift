/// The OpenAPI 3.1 document of the HTTP API, served at `GET /openapi.json`. `OpenAPIDocumentTests` checks that it
/// names exactly the router's routes; `make test` fuzzes the running service against it (schemathesis).
enum OpenAPIDocument {
    static let json = #"""
            {"openapi":"3.1.0","info":{"title":"tokenize-action","version":"1","description":
            "Tokenization runs on datasets catalogued in DataHub, and erasure requests. Every error is {\"error\": \"…\"}, with \"field\" when a request's field is at fault."},
            "components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer","description":
            "a TOKEN of API_TOKENS_FILE (NAME=TOKEN lines)"}},"schemas":{"Error":{"type":"object",
            "required":["error"],"properties":{"error":{"type":"string"},"field":{"type":"string"}}},
            "RunRequest":{"type":"object","required":["dataset"],"properties":{"dataset":{"type":
            "string","description":"urn:li:dataset:(urn:li:dataPlatform:<platform>,<db>.<schema>.<table>,<env>)"},
            "columns":{"type":"array","items":{"type":"string"}},"rekey":{"type":"boolean"},"full_scan":
            {"type":"boolean"}}},"Run":{"type":"object","required":["run_id","dataset","status"],
            "properties":{"run_id":{"type":"string"},"dataset":{"type":"string"},"status":{"type":
            "string","enum":["QUEUED","RUNNING","SUCCESS","INCOMPLETE","FAILED","SKIPPED","REJECTED",
            "AWAITING_APPROVAL","COALESCED","PLANNED","CANCELLED"]},"rows_updated":{"type":"integer"},
            "details":{"type":"string"}}},"RunList":{"type":"object","required":["runs"],"properties":
            {"runs":{"type":"array","items":{"$ref":"#/components/schemas/Run"}}}},"EventList":
            {"type":"object","required":["events","chain","problems"],"properties":{"events":
            {"type":"array","items":{"type":"object"}},"chain":{"type":"string","enum":["intact",
            "broken"]},"problems":{"type":"array","items":{"type":"string"}}}},"Readiness":{"type":
            "object","required":["status","checks"],"properties":{"status":{"type":"string","enum":
            ["ready","not ready"]},"checks":{"type":"object","additionalProperties":{"type":"string"}}}},
            "ErasureSubmission":{"type":"object","required":["identifiers","reason","requester",
            "source","source_id"],"properties":{"identifiers":{"type":"array","minItems":1,"maxItems":
            20,"items":{"type":"object","required":["kind","value"],"properties":{"kind":{"type":
            "string","pattern":"^[a-z][a-z0-9_]{0,39}$","description":"email, phone, customer_id, …: fields tagged pii:<kind> hold it"},
            "value":{"type":"string","minLength":1,"maxLength":1024}}}},"reason":{"type":"string",
            "maxLength":500},"requester":{"type":"string","maxLength":200},"source":{"type":"string",
            "maxLength":100},"source_id":{"type":"string","maxLength":200},"due_at":{"type":"string",
            "format":"date-time","description":"default: received + ERASURE_DUE_DAYS"}}},"ErasureDestination":
            {"type":"object","required":["dataset","match","effect","state","via"],"properties":
            {"dataset":{"type":"string"},"match":{"type":"array","items":{"type":"string"}},"cells":
            {"type":"array","items":{"type":"string"}},"kinds":{"type":"array","items":{"type":
            "string"}},"effect":{"type":"string","enum":["delete-rows","null-cells","scramble-cells"]},
            "via":{"type":"string"},"holds":{"type":"string"},"estimate":{"type":"string"},"state":
            {"type":"string","enum":["pending","done","failed","unreachable"]},"attempts":{"type":
            "integer"},"rows_affected":{"type":"integer"},"remaining":{"type":"integer"},"residue":
            {"type":"string"},"error":{"type":"string"},"done_at":{"type":"string"}}},"Erasure":
            {"type":"object","required":["id","status","kinds","subject_digests","due_at","destinations"],
            "properties":{"id":{"type":"string"},"status":{"type":"string","enum":["AWAITING_APPROVAL",
            "OPEN","COMPLETE","REJECTED"]},"kinds":{"type":"array","items":{"type":"string"}},
            "subject_digests":{"type":"array","items":{"type":"string"}},"reason":{"type":"string"},
            "requester":{"type":"string"},"submitted_by":{"type":"string"},"source":{"type":"string"},
            "source_id":{"type":"string"},"received_at":{"type":"string"},"due_at":{"type":"string"},
            "approved_by":{"type":"string"},"rejection":{"type":"string"},"planned_at":{"type":
            "string"},"completed_at":{"type":"string"},"attempts":{"type":"integer"},"last_error":
            {"type":"string"},"destinations":{"type":"array","items":{"$ref":"#/components/schemas/ErasureDestination"}}}},
            "ErasureList":{"type":"object","required":["erasures"],"properties":{"erasures":{
            "type":"array","items":{"$ref":"#/components/schemas/Erasure"}}}},"Decision":{"type":
            "object","properties":{"reason":{"type":"string","maxLength":500}}},"SignedReceipt":
            {"type":"object","required":["receipt","signature"],"properties":{"receipt":{"type":
            "object","required":["request_id","subject_digests","destinations","audit_chain_head"]},
            "signature":{"type":"object","required":["algorithm","public_key","value"],"properties":
            {"algorithm":{"const":"Ed25519"},"public_key":{"type":"string"},"value":{"type":"string"}}}}}}},
            "paths":{"/healthz":{"get":{"operationId":"healthz","summary":"Liveness","responses":
            {"200":{"description":"alive","content":{"application/json":{"schema":{"type":"object",
            "properties":{"status":{"const":"ok"}}}}}}}}},"/readyz":{"get":{"operationId":"readyz",
            "summary":"Readiness of each dependency","responses":{"200":{"description":"ready",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Readiness"}}}},
            "503":{"description":"a dependency does not answer","content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Readiness"}}}}}}},"/metrics":{"get":{"operationId":
            "metrics","summary":"Prometheus metrics (docs/operations.md)","responses":{"200":
            {"description":"Prometheus text format","content":{"text/plain":{"schema":{"type":
            "string"}}}}}}},"/openapi.json":{"get":{"operationId":"openapi","summary":"This document",
            "responses":{"200":{"description":"OpenAPI 3.1","content":{"application/json":{"schema":
            {"type":"object"}}}}}}},"/trigger":{"post":{"operationId":"trigger","summary":"Request a run: tokenize the dataset's PII columns",
            "security":[{"bearer":[]}],"parameters":[{"name":"wait","in":"query","required":false,
            "schema":{"type":"string","enum":["true","false"]},"description":"true: answer with the settled run instead of 202"}],
            "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/RunRequest"}}}},
            "responses":{"200":{"description":"the settled run (wait=true)","content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Run"}}}},"202":{"description":"recorded; Location names it",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Run"}}}},"400":
            {"description":"the body or the dataset is wrong","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/verify":{"post":{"operationId":"verify","summary":"Request a verification (read only)",
            "security":[{"bearer":[]}],"parameters":[{"name":"wait","in":"query","required":false,
            "schema":{"type":"string","enum":["true","false"]},"description":"true: answer with the settled run instead of 202"}],
            "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/RunRequest"}}}},
            "responses":{"200":{"description":"the settled run (wait=true)","content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Run"}}}},"202":{"description":"recorded; Location names it",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Run"}}}},"400":
            {"description":"the body or the dataset is wrong","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/plan":{"post":{"operationId":"plan","summary":"Request a plan (dry run, read only)",
            "security":[{"bearer":[]}],"parameters":[{"name":"wait","in":"query","required":false,
            "schema":{"type":"string","enum":["true","false"]},"description":"true: answer with the settled run instead of 202"}],
            "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/RunRequest"}}}},
            "responses":{"200":{"description":"the settled run (wait=true)","content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Run"}}}},"202":{"description":"recorded; Location names it",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Run"}}}},"400":
            {"description":"the body or the dataset is wrong","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/runs":{"get":{"operationId":"listRuns","summary":"Recent runs, newest first","security":
            [{"bearer":[]}],"parameters":[{"name":"status","in":"query","schema":{"type":"string"}},
            {"name":"dataset","in":"query","schema":{"type":"string"}},{"name":"limit","in":"query",
            "schema":{"type":"integer","minimum":1,"maximum":1000}}],"responses":{"200":{"description":
            "runs","content":{"application/json":{"schema":{"$ref":"#/components/schemas/RunList"}}}},
            "400":{"description":"a query parameter is wrong","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/runs/{run_id}":{"get":{"operationId":"getRun","summary":"One run","security":[{
            "bearer":[]}],"parameters":[{"name":"run_id","in":"path","required":true,"schema":
            {"type":"string"}}],"responses":{"200":{"description":"the run","content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Run"}}}},"404":{"description":"no such run",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "401":{"description":"no or wrong bearer token","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Error"}}}},"403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/runs/{run_id}/events":{"get":{"operationId":"getRunEvents","summary":"A run's hash-chained audit trail",
            "security":[{"bearer":[]}],"parameters":[{"name":"run_id","in":"path","required":
            true,"schema":{"type":"string"}}],"responses":{"200":{"description":"the events and whether the chain holds",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/EventList"}}}},
            "404":{"description":"no such run","content":{"application/json":{"schema":{"$ref":
            "#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/erasures":{"post":{"operationId":"submitErasure","summary":"File an erasure request (recorded before the answer)",
            "security":[{"bearer":[]}],"requestBody":{"required":true,"content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/ErasureSubmission"}}}},"responses":{"202":
            {"description":"recorded; Location names it","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Erasure"}}}},"200":{"description":"the same source and source_id were recorded before: that request",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Erasure"}}}},
            "400":{"description":"a field is wrong (named in field)","content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Error"}}}},"503":{"description":"TOKEN_KEYS_FILE is not set",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "401":{"description":"no or wrong bearer token","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Error"}}}},"403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}},
            "get":{"operationId":"listErasures","summary":"Requests by due date","security":[
            {"bearer":[]}],"parameters":[{"name":"status","in":"query","schema":{"type":"string"}},
            {"name":"due_before","in":"query","schema":{"type":"string","format":"date-time"}},
            {"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":1000}}],
            "responses":{"200":{"description":"requests","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/ErasureList"}}}},"400":{"description":"a query parameter is wrong",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "503":{"description":"TOKEN_KEYS_FILE is not set","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/erasures/{id}":{"get":{"operationId":"getErasure","summary":"One request with each destination's state",
            "security":[{"bearer":[]}],"parameters":[{"name":"id","in":"path","required":true,
            "schema":{"type":"string"}}],"responses":{"200":{"description":"the request","content":
            {"application/json":{"schema":{"$ref":"#/components/schemas/Erasure"}}}},"404":{"description":
            "no such request","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "503":{"description":"TOKEN_KEYS_FILE is not set","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/erasures/{id}/events":{"get":{"operationId":"getErasureEvents","summary":"A request's hash-chained audit trail",
            "security":[{"bearer":[]}],"parameters":[{"name":"id","in":"path","required":true,
            "schema":{"type":"string"}}],"responses":{"200":{"description":"the events","content":
            {"application/json":{"schema":{"$ref":"#/components/schemas/EventList"}}}},"404":
            {"description":"no such request","content":{"application/json":{"schema":{"$ref":
            "#/components/schemas/Error"}}}},"503":{"description":"TOKEN_KEYS_FILE is not set",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "401":{"description":"no or wrong bearer token","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Error"}}}},"403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/erasures/{id}/receipt":{"get":{"operationId":"getErasureReceipt","summary":"The signed receipt of a complete request",
            "security":[{"bearer":[]}],"parameters":[{"name":"id","in":"path","required":true,
            "schema":{"type":"string"}}],"responses":{"200":{"description":"the receipt (check it with tokenize-action receipt verify)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/SignedReceipt"}}}},
            "404":{"description":"no such request","content":{"application/json":{"schema":{"$ref":
            "#/components/schemas/Error"}}}},"409":{"description":"not complete, or completed without a signing key",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "503":{"description":"TOKEN_KEYS_FILE is not set","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/erasures/{id}/approve":{"post":{"operationId":"approveErasure","summary":"Approve a request awaiting approval (four eyes)",
            "security":[{"bearer":[]}],"parameters":[{"name":"id","in":"path","required":true,
            "schema":{"type":"string"}}],"requestBody":{"required":false,"content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Decision"}}}},"responses":{"200":{"description":
            "the request, now OPEN","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Erasure"}}}},
            "400":{"description":"the body is wrong","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Error"}}}},"404":{"description":"no such request","content":
            {"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"409":{"description":
            "not awaiting approval","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "503":{"description":"TOKEN_KEYS_FILE is not set","content":{"application/json":{
            "schema":{"$ref":"#/components/schemas/Error"}}}},"401":{"description":"no or wrong bearer token",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}},
            "/erasures/{id}/reject":{"post":{"operationId":"rejectErasure","summary":"Reject a request before anything was erased",
            "security":[{"bearer":[]}],"parameters":[{"name":"id","in":"path","required":true,
            "schema":{"type":"string"}}],"requestBody":{"required":true,"content":{"application/json":
            {"schema":{"$ref":"#/components/schemas/Decision"}}}},"responses":{"200":{"description":
            "the request, now REJECTED","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Erasure"}}}},
            "400":{"description":"a reason is needed","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Error"}}}},"404":{"description":"no such request","content":
            {"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"409":{"description":
            "already closed, or data already erased","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Error"}}}},"503":{"description":"TOKEN_KEYS_FILE is not set",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
            "401":{"description":"no or wrong bearer token","content":{"application/json":{"schema":
            {"$ref":"#/components/schemas/Error"}}}},"403":{"description":"the caller may not do this (policy, or API_TOKENS_FILE unset)",
            "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}}}}}}
        """#
}
