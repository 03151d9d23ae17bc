import Logging
import NIOCore
import PostgresNIO
import PostgresSupport
import PostgresWarehouse
import TestSupport
import Testing
import WarehouseKit

/// A table row's ff1 ledger row: entries by slot, what a batch's write keeps and freshens, and its literals read back
/// by PostgreSQL as the arrays they stand for.
@Suite struct FF1LedgerRowTests {
    static func entry(_ keyID: String, _ byte: UInt8) -> LedgerEntry { LedgerEntry(keyID: keyID, digest: Array(repeating: byte, count: 16)) }

    @Test func anEntryIsFoundByItsSlotOnly() {
        let row = FF1LedgerRow().writing([(2, Self.entry("k1", 7))])
        #expect(row.entry(slot: 2) == Self.entry("k1", 7))
        #expect(row.entry(slot: 1) == nil, "slot 1 was padded, it holds no entry")
        #expect(row.entry(slot: 3) == nil && row.entry(slot: 0) == nil)
        #expect(row.keyIDs == ["", "k1"] && row.fresh == [false, true] && row.digests.count == 32)
    }

    /// A batch writing slot 1 keeps slot 2's entry, which is no longer fresh: the row's transaction is the batch's.
    @Test func writingOneSlotKeepsTheOthersButNotTheirFreshness() {
        let first = FF1LedgerRow().writing([(1, Self.entry("k1", 1)), (2, Self.entry("k1", 2))])
        #expect(first.fresh == [true, true])
        let second = first.writing([(1, Self.entry("k2", 3))])
        #expect(second.entry(slot: 1) == Self.entry("k2", 3) && second.entry(slot: 2) == Self.entry("k1", 2))
        #expect(second.fresh == [true, false])
        #expect(second.writing([]).fresh == [false, false])
    }

    @Test func arraysThatDisagreeAreNoRow() {
        #expect(FF1LedgerRow(keyIDs: ["k1"], digests: Array(repeating: 0, count: 16), fresh: [true]) != nil)
        #expect(FF1LedgerRow(keyIDs: ["k1", "k2"], digests: Array(repeating: 0, count: 16), fresh: [true, true]) == nil)
        #expect(FF1LedgerRow(keyIDs: ["k1"], digests: Array(repeating: 0, count: 16), fresh: []) == nil)
    }

    @Test func literalsQuoteEveryKeyID() {
        let row = FF1LedgerRow(keyIDs: ["", "k1", "a\"b\\c"], digests: Array(repeating: 0, count: 48), fresh: [false, true, false])!
        #expect(row.keyIDsLiteral == #"{"","k1","a\"b\\c"}"#)
        #expect(row.freshLiteral == "{f,t,f}")
    }

    @Test(.enabled(if: TestEnvironment.postgresTestsEnabled)) func literalsReadBackAsTheirArrays() async throws {
        try await withWarehouse { _, client, _ in
            let row = FF1LedgerRow(keyIDs: ["", "k1", "a\"b\\c,d"], digests: Array(repeating: 0, count: 48), fresh: [false, true, false])!
            var binds = PostgresBindings()
            binds.append(row.keyIDsLiteral)
            binds.append(row.freshLiteral)
            let read = try await client.query(PostgresQuery(unsafeSQL: "SELECT $1::text[], $2::boolean[]", binds: binds))
            for try await (keyIDs, fresh) in read.decode(([String], [Bool]).self) {
                #expect(keyIDs == row.keyIDs && fresh == row.fresh)
            }
        }
    }
}
