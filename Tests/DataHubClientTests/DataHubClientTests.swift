import AsyncHTTPClient
import Catalog
import DataHubClient
import Foundation
import JSON
import Logging
import Resilience
import Synchronization
import TestSupport
import Testing

private func client(_ url: String, token: String? = nil, attempts: Int = 4) -> DataHubOperations {
    DataHubOperations(
        client: DataHubGraphQLClient(
            settings: DataHubSettings(
                gmsURL: url, token: token, requestTimeout: .seconds(5),
                retry: RetryPolicy(backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(20)), maxAttempts: attempts)),
            httpClient: .shared, logger: Logger(label: "datahub-test")))
}

/// An `entitiesExist` answer: none of the eight exists.
private let noneExist = #"{"data":{"# + (0..<8).map { "\"e\($0)\":false" }.joined(separator: ",") + "}}"

private func operation(_ request: FakeHTTPServer.Request) -> String {
    (try? JSONParser.parse(request.body))?["operationName"]?.string ?? ""
}

/// The GraphQL client: retries, 401 as a permanent error that names `DATAHUB_TOKEN`, one request per dataset read.
@Suite struct DataHubClientTests {
    @Test func transientFailuresAreRetriedThenSucceed() async throws {
        let calls = Mutex(0)
        let exists = try await FakeHTTPServer.with({ _ in
            let call = calls.withLock { count -> Int in
                count += 1
                return count
            }
            return call <= 2 ? .init(503, "{}") : .init(200, #"{"data":{"entityExists":true}}"#)
        }) { url in try await client(url).entityExists("urn:li:tag:x") }
        #expect(exists && calls.withLock { $0 } == 3)
    }

    @Test func giveUpAfterTheAttemptsAsUnavailable() async throws {
        let calls = Mutex(0)
        let error = try await FakeHTTPServer.with({ _ in
            calls.withLock { $0 += 1 }
            return .init(503, "{}")
        }) { url in
            do {
                _ = try await client(url, attempts: 3).entityExists("urn:li:tag:x")
                return nil as DataHubError?
            } catch let error as DataHubError {
                return error
            }
        }
        #expect(error?.code == .unavailable && error?.isTransient == true && calls.withLock { $0 } == 3)
    }

    @Test func aRefusedTokenIsPermanentAndSaysWhatToSet() async throws {
        let seen = Mutex<String?>(nil)
        let error = try await FakeHTTPServer.with({ request in
            seen.withLock { $0 = request.headers["authorization"] }
            return .init(401, #"{"error":"Unauthorized"}"#)
        }) { url in
            do {
                _ = try await client(url, token: "pat-123").dataset("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.x,PROD)")
                return nil as DataHubError?
            } catch let error as DataHubError {
                return error
            }
        }
        #expect(error?.code == .unauthorized && error?.isTransient == false && error?.message.contains("DATAHUB_TOKEN") == true)
        #expect(seen.withLock { $0 } == "Bearer pat-123")
    }

    @Test func graphQLErrorsArePermanent() async throws {
        let error = try await FakeHTTPServer.with({ _ in .init(200, #"{"data":null,"errors":[{"message":"Failed to update"}]}"#) }) { url in
            do {
                try await client(url).addTags(
                    [TagURN("t")], to: [TagTarget(datasetURN: "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.x,PROD)")])
                return nil as DataHubError?
            } catch let error as DataHubError {
                return error
            }
        }
        #expect(error?.code == .graphQL && error?.isTransient == false)
    }

    /// `dataset(urn)` answers a placeholder for a dataset DataHub does not have: the snapshot is read with
    /// `entityExists` in the same request, and a missing dataset is nil.
    @Test func aDatasetIsReadInOneRequestAndAMissingOneIsNil() async throws {
        let requests = Mutex<[String]>([])
        let placeholder = #"{"urn":"urn:li:dataset:x","tags":null,"schemaMetadata":null,"editableSchemaMetadata":null}"#
        let (missing, present) = try await FakeHTTPServer.with({ request in
            requests.withLock { $0.append(operation(request)) }
            let exists = request.body.contains(Array("shop.public.customers".utf8))
            return .init(200, #"{"data":{"entityExists":\#(exists),"dataset":\#(placeholder)}}"#)
        }) { url in
            let operations = client(url)
            return (
                try await operations.dataset("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.gone,PROD)"),
                try await operations.dataset("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")
            )
        }
        #expect(missing == nil)
        #expect(present != nil)
        #expect(requests.withLock { $0 } == ["tokenizeDataset", "tokenizeDataset"])
    }

    /// Two runs racing to create the same tag: GMS answers the loser "This Tag already exists!", which is what
    /// both wanted.
    @Test func creatingATagThatExistsMeanwhileIsSuccess() async throws {
        let creates = Mutex(0)
        try await FakeHTTPServer.with({ request in
            switch operation(request) {
            case "tokenizeEntityExists": return .init(200, #"{"data":{"entityExists":false}}"#)
            case "tokenizeEntitiesExist": return .init(200, noneExist)
            case "tokenizeCreateTag":
                creates.withLock { $0 += 1 }
                return .init(200, #"{"data":{"createTag":null},"errors":[{"message":"This Tag already exists!"}]}"#)
            case "tokenizeCreateStructuredProperty":
                return .init(200, #"{"data":null,"errors":[{"message":"A structured property already exists with this urn"}]}"#)
            default: return .init(400, "{}")
            }
        }) { url in
            let operations = client(url)
            try await operations.ensureTags([TagURN("tokenize/done")], description: "d")
            try await operations.ensureTags([TagURN("tokenize/done")], description: "d")  // known now: no request
            try await operations.ensureStructuredProperty(id: "last_tokenization_run", displayName: "x", description: "y")
        }
        #expect(creates.withLock { $0 } == 1)
    }

    /// Tags are checked and created together; one that cannot be created fails the call with its (transient) error,
    /// the others are created and known.
    @Test func tagsAreEnsuredTogetherAndOneFailureFailsTheCall() async throws {
        let created = Mutex<Set<String>>([])
        let checks = Mutex(0)
        let error = try await FakeHTTPServer.with({ request in
            let body = String(decoding: request.body, as: UTF8.self)
            switch operation(request) {
            case "tokenizeEntitiesExist":
                checks.withLock { $0 += 1 }
                return .init(200, noneExist)
            case "tokenizeCreateTag" where body.contains("\"broken\""): return .init(503, "{}")
            case "tokenizeCreateTag":
                created.withLock { $0.insert(body.contains("\"a\"") ? "a" : "b") }
                return .init(200, #"{"data":{"createTag":"urn:li:tag:x"}}"#)
            default: return .init(400, "{}")
            }
        }) { url -> DataHubError? in
            do {
                try await client(url, attempts: 1).ensureTags([TagURN("a"), TagURN("broken"), TagURN("b")], description: "d")
                return nil
            } catch let error as DataHubError {
                return error
            }
        }
        #expect(error?.isTransient == true)
        #expect(created.withLock { $0 } == ["a", "b"])
        #expect(checks.withLock { $0 } == 1, "the three tags checked in one request")
    }

    /// Existence is asked `existenceSlots` URNs per request, each answer read from its own alias.
    @Test func existenceIsAskedEightURNsARequest() async throws {
        let requests = Mutex(0)
        let urns = (0..<11).map { "urn:li:tag:t\($0)" }
        let found = try await FakeHTTPServer.with({ request in
            requests.withLock { $0 += 1 }
            guard operation(request) == "tokenizeEntitiesExist", let variables = (try? JSONParser.parse(request.body))?["variables"] else {
                return .init(400, "{}")
            }
            // Even-numbered tags exist.
            let answers = (0..<8).map { slot -> String in
                let urn = variables["u\(slot)"]?.string ?? ""
                return "\"e\(slot)\":\(Int(urn.dropFirst("urn:li:tag:t".count)).map { $0.isMultiple(of: 2) } ?? false)"
            }
            return .init(200, "{\"data\":{\(answers.joined(separator: ","))}}")
        }) { url in try await client(url).existing(urns) }
        #expect(found == Set(urns.enumerated().filter { $0.offset.isMultiple(of: 2) }.map(\.element)))
        #expect(requests.withLock { $0 } == 2)
    }

    /// A URN DataHub lists that the service cannot use is handed back with its reason, never dropped unseen.
    @Test func taggedDatasetsAreFoundAcrossPages() async throws {
        let pages = Mutex(0)
        let urns = try await FakeHTTPServer.with({ request in
            let page = pages.withLock { value -> Int in
                value += 1
                return value
            }
            let body = try? JSONParser.parse(request.body)
            let filters = body?["variables"]?["input"]?["orFilters"]?.array?.compactMap { $0["and"]?.array?.first?["field"]?.string }
            guard filters == ["tags", "fieldTags", "editedFieldTags"] else { return .init(400, "{}") }
            return page == 1
                ? .init(
                    200,
                    #"{"data":{"scrollAcrossEntities":{"nextScrollId":"p2","count":1,"total":2,"searchResults":[{"entity":{"urn":"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.a,PROD)","type":"DATASET"}}]}}}"#
                )
                : .init(
                    200,
                    #"{"data":{"scrollAcrossEntities":{"nextScrollId":null,"count":1,"total":2,"searchResults":[{"entity":{"urn":"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.b,PROD)","type":"DATASET"}},{"entity":{"urn":"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.c\u0000d,PROD)","type":"DATASET"}}]}}}"#
                )
        }) { url in try await client(url).datasets(taggedWith: TagURN("tokenize/run")) }
        #expect(
            urns.datasets == [
                "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.a,PROD)",
                "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.b,PROD)",
            ])
        #expect(urns.refused.count == 1 && urns.refused[0].contains("control character") && urns.refused[0].contains("\\u{0}"), "\(urns.refused)")
    }

    /// Field entities carrying the tag are searched too (SCHEMA_FIELD) and count for their dataset.
    @Test func tagsOnFieldEntitiesCountForTheirDataset() async throws {
        let dataset: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
        let urns = try await FakeHTTPServer.with({ request in
            let types = (try? JSONParser.parse(request.body))?["variables"]?["input"]?["types"]?.array?.compactMap(\.string)
            guard types == ["DATASET", "SCHEMA_FIELD"] else { return .init(400, "{}") }
            return .init(
                200,
                #"{"data":{"scrollAcrossEntities":{"nextScrollId":null,"count":2,"total":2,"searchResults":["#
                    + #"{"entity":{"urn":"urn:li:schemaField:(\#(dataset),[version=2.0].[type=string].email)","type":"SCHEMA_FIELD"}},"#
                    + #"{"entity":{"urn":"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.orders,PROD)","type":"DATASET"}}]}}}"#)
        }) { url in try await client(url).datasets(taggedWith: TagURN("tokenize/run")) }
        #expect(urns == TaggedDatasets(datasets: [dataset, "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.orders,PROD)"]))
    }
}

/// The startup probe: a refused token or an address that is not GMS stops the service; no answer is waited for.
@Suite struct DataHubProbeTests {
    @Test(arguments: [
        (200, #"{"data":{"entityExists":true}}"#, "answers"), (401, "{}", "DATAHUB_TOKEN"), (403, "{}", "DATAHUB_TOKEN"),
        (404, "not found", "DATAHUB_GMS_URL"), (200, "<html>", "DATAHUB_GMS_URL"), (503, "{}", "unavailable"),
    ])
    func answersAreClassified(status: Int, body: String, says: String) async throws {
        let outcome = try await FakeHTTPServer.with({ _ in .init(status, body) }) { url in
            await client(url, token: "t", attempts: 1).probe(tag: TagURN("tokenize/run"))
        }
        switch outcome {
        case .answers: #expect(says == "answers")
        case .refused(let reason): #expect(says != "answers" && says != "unavailable" && reason.contains(says), "\(reason)")
        case .unavailable(let reason): #expect(says == "unavailable" && reason.contains("DATAHUB_GMS_URL"), "\(reason)")
        }
    }

    @Test func noListenerIsUnavailable() async throws {
        guard case .unavailable = await client("http://127.0.0.1:1", attempts: 1).probe(tag: TagURN("tokenize/run")) else {
            Issue.record("a closed port is not a refusal")
            return
        }
    }
}
