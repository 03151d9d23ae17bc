import Catalog

/// Every GraphQL operation the service sends to DataHub GMS. The client accepts only these, and a test
/// validates every case against DataHub's real SDL, so no document can skip validation.
public enum DataHubDocument: String, Sendable, CaseIterable {
    case entityExists = "tokenizeEntityExists"
    /// `entityExists` for up to `existenceSlots` URNs at once (aliases `e0`…; variables `u0`…).
    case entitiesExist = "tokenizeEntitiesExist"
    case createTag = "tokenizeCreateTag"
    case dataset = "tokenizeDataset"
    case batchAddTags = "tokenizeBatchAddTags"
    case batchRemoveTags = "tokenizeBatchRemoveTags"
    case updateEditableProperties = "tokenizeUpdateEditableProperties"
    case createStructuredProperty = "tokenizeCreateStructuredProperty"
    case upsertStructuredProperties = "tokenizeUpsertStructuredProperties"
    case scrollTaggedDatasets = "tokenizeScrollTaggedDatasets"
    case userGroups = "tokenizeUserGroups"
    case downstreamLineage = "tokenizeDownstreamLineage"

    /// How many URNs one `entitiesExist` request checks (a shorter list repeats its last URN).
    public static let existenceSlots = 8

    /// The operation name (also sent as `operationName`).
    public var operationName: String { rawValue }

    public var text: String {
        switch self {
        case .entityExists:
            return "query tokenizeEntityExists($urn: String!) { entityExists(urn: $urn) }"
        case .entitiesExist:
            let slots = 0..<Self.existenceSlots
            return "query tokenizeEntitiesExist(" + slots.map { "$u\($0): String!" }.joined(separator: ", ") + ") { "
                + slots.map { "e\($0): entityExists(urn: $u\($0))" }.joined(separator: " ") + " }"
        case .createTag:
            return "mutation tokenizeCreateTag($input: CreateTagInput!) { createTag(input: $input) }"
        case .dataset:
            // `entityExists` in the same request: `dataset(urn)` answers a placeholder for a missing dataset.
            return """
                query tokenizeDataset($urn: String!) {
                  entityExists(urn: $urn)
                  dataset(urn: $urn) {
                    urn
                    properties { name description }
                    editableProperties { name description }
                    tags { tags { tag { urn } } }
                    schemaMetadata {
                      fields {
                        fieldPath nativeDataType tags { tags { tag { urn } } }
                        glossaryTerms { terms { term { urn properties { name } } } }
                        schemaFieldEntity { urn tags { tags { tag { urn } } } glossaryTerms { terms { term { urn properties { name } } } } }
                      }
                    }
                    editableSchemaMetadata {
                      editableSchemaFieldInfo { fieldPath tags { tags { tag { urn } } } glossaryTerms { terms { term { urn properties { name } } } } }
                    }
                  }
                }
                """
        case .batchAddTags:
            return "mutation tokenizeBatchAddTags($input: BatchAddTagsInput!) { batchAddTags(input: $input) }"
        case .batchRemoveTags:
            return "mutation tokenizeBatchRemoveTags($input: BatchRemoveTagsInput!) { batchRemoveTags(input: $input) }"
        case .updateEditableProperties:
            return """
                mutation tokenizeUpdateEditableProperties($urn: String!, $input: DatasetUpdateInput!) {
                  updateDataset(urn: $urn, input: $input) { urn }
                }
                """
        case .createStructuredProperty:
            return """
                mutation tokenizeCreateStructuredProperty($input: CreateStructuredPropertyInput!) {
                  createStructuredProperty(input: $input) { urn }
                }
                """
        case .upsertStructuredProperties:
            return """
                mutation tokenizeUpsertStructuredProperties($input: UpsertStructuredPropertiesInput!) {
                  upsertStructuredProperties(input: $input) { properties { structuredProperty { urn } } }
                }
                """
        case .scrollTaggedDatasets:
            return """
                query tokenizeScrollTaggedDatasets($input: ScrollAcrossEntitiesInput!) {
                  scrollAcrossEntities(input: $input) { nextScrollId count total searchResults { entity { urn type } } }
                }
                """
        case .userGroups:
            // Both kinds of membership: groups synced from an identity provider and DataHub-native groups.
            return """
                query tokenizeUserGroups($urn: String!, $start: Int!, $count: Int!) {
                  corpUser(urn: $urn) {
                    relationships(input: {types: ["IsMemberOfGroup", "IsMemberOfNativeGroup"], direction: OUTGOING, start: $start, count: $count}) {
                      start count total relationships { entity { urn } }
                    }
                  }
                }
                """
        case .downstreamLineage:
            // Downstream datasets up to a degree, with their fields and the column-level lineage they record.
            return """
                query tokenizeDownstreamLineage($input: SearchAcrossLineageInput!) {
                  searchAcrossLineage(input: $input) {
                    start count total
                    searchResults {
                      degree
                      entity {
                        urn type
                        ... on Dataset {
                          schemaMetadata { fields { fieldPath } }
                          fineGrainedLineages { upstreams { urn path } downstreams { urn path } }
                        }
                      }
                    }
                  }
                }
                """
        }
    }

    /// Whether the operation changes DataHub.
    public var isMutation: Bool { text.hasPrefix("mutation") }
}
