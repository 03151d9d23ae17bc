import Foundation
import Testing
import Tokenization
import WarehouseKit

@testable import DatabricksWarehouse

/// Databricks settings from a JDBC URL, a host and an HTTP path.
@Suite struct DatabricksSettingsTests {
    @Test func jdbcURLsGiveHostPathAndToken() throws {
        let parsed = try #require(
            DatabricksSettings.parseJDBC(
                "jdbc:databricks://dbc-12ab.cloud.databricks.com:443/default;transportMode=http;ssl=1;httpPath=/sql/1.0/warehouses/abc123;AuthMech=3;UID=token;PWD=dapiXYZ"
            ))
        #expect(parsed.host == "dbc-12ab.cloud.databricks.com")
        #expect(parsed.httpPath == "/sql/1.0/warehouses/abc123")
        #expect(parsed.token == "dapiXYZ")
        let legacy = try #require(DatabricksSettings.parseJDBC("jdbc:spark://adb-1.azuredatabricks.net:443/default;HTTPPath=/sql/1.0/endpoints/e1"))
        #expect(legacy.host == "adb-1.azuredatabricks.net" && legacy.httpPath == "/sql/1.0/endpoints/e1" && legacy.token == nil)
        #expect(DatabricksSettings.parseJDBC("not a url") == nil)
    }

    @Test func httpPathsAndHosts() {
        #expect(DatabricksSettings.warehouseID(httpPath: "/sql/1.0/warehouses/abc123") == "abc123")
        #expect(DatabricksSettings.warehouseID(httpPath: "/sql/1.0/endpoints/e1/") == "e1")
        #expect(DatabricksSettings.warehouseID(httpPath: "/sql/protocolv1/o/1/0123-abc") == nil)
        #expect(DatabricksSettings.baseURL(host: "dbc-1.cloud.databricks.com/") == "https://dbc-1.cloud.databricks.com")
        #expect(DatabricksSettings.baseURL(host: "http://127.0.0.1:9000") == "http://127.0.0.1:9000")
    }
}

/// Databricks SQL: identifiers backtick-quoted, values as parameters, pads from the secret scope, padded columns.
@Suite struct DatabricksSQLTests {
    let table = TableReference(database: "main", schema: "sales`x", table: "customers")
    let tokenizer = Tokenizer(keyring: try! TokenKeyring.parse("k1=\(Data(repeating: 3, count: 32).base64EncodedString())"))

    func plan(_ columns: [ColumnPlan]) throws -> PushDownPlan {
        try PushDownPlan(columns: columns, tokenizer: tokenizer, table: table)
    }

    @Test func identifiersAreBacktickQuotedAndValuesAreParameters() throws {
        let update = DatabricksSQL.update(
            table: table, plan: try plan([ColumnPlan(name: "e`mail", scheme: .hmac), ColumnPlan(name: "first_name", scheme: .poc)]))
        #expect(update.sql.hasPrefix("UPDATE `main`.`sales``x`.`customers` SET `e``mail` = CASE WHEN"))
        #expect(update.parameters == ["blank_pattern", "poc_pattern", "hmac_pattern", "hmac_key_id", "hmac_inner_pad", "hmac_outer_pad"])
        #expect(update.sql.contains("NOT (`first_name` RLIKE :poc_pattern)"))
        #expect(update.sql.contains("NOT (length(`e``mail`) IN (50) AND `e``mail` RLIKE :hmac_pattern)"))
        #expect(!update.sql.contains("tkh_k"))  // no key material or ids inlined
    }

    /// With a secret scope the statement names the pads; no parameter carries them.
    @Test func aSecretScopeKeepsThePadsOutOfTheStatement() throws {
        let update = DatabricksSQL.update(
            table: table, plan: try plan([ColumnPlan(name: "email", scheme: .hmac)]), pads: .secretScope("tokenize", keyID: "k2"))
        #expect(
            update.sql.contains("unhex(secret('tokenize', 'hmac-inner-pad-k2'))") && update.sql.contains("secret('tokenize', 'hmac-outer-pad-k2')"))
        #expect(update.parameters == ["blank_pattern", "hmac_key_id", "hmac_pattern"])
        #expect(!update.sql.contains(":hmac_inner_pad"))
        #expect(DatabricksSQL.literal("a'b\\c") == "'a\\'b\\\\c'")
    }

    @Test func onlyPocNeedsOnlyItsPattern() throws {
        let update = DatabricksSQL.update(table: table, plan: try plan([ColumnPlan(name: "ssn", scheme: .poc)]))
        #expect(update.parameters == ["blank_pattern", "poc_pattern"])
        #expect(
            update.sql.hasSuffix(
                "WHERE ((`ssn` IS NOT NULL AND `ssn` <> '' AND NOT (`ssn` RLIKE :blank_pattern)) AND NOT (`ssn` RLIKE :poc_pattern))"))
    }

    /// A `CHAR(n)` column is read without its padding: tests and tokens are of `rtrim(column)`; the assignment
    /// keeps the column itself.
    @Test func aPaddedColumnIsReadWithoutItsPadding() throws {
        let update = DatabricksSQL.update(table: table, plan: try plan([ColumnPlan(name: "code", scheme: .hmac)]), padded: ["code"])
        #expect(update.sql.contains("`code` = CASE WHEN ((rtrim(`code`) IS NOT NULL"))
        #expect(update.sql.contains("encode(rtrim(`code`), 'UTF-8')") && update.sql.contains("ELSE `code` END"))
    }

    @Test func textTypes() {
        #expect(DatabricksSQL.isText("STRING") && DatabricksSQL.isText("varchar(20)") && !DatabricksSQL.isText("BIGINT"))
        #expect(Hex.encode([0, 15, 255]) == "000fff" && Hex.decode("000fFF") == [0, 15, 255] && Hex.decode("0g") == nil)
    }
}
