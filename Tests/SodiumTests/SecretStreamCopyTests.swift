import Sodium
import Testing

/// `SecretStream.Push` and `Pull` are values: a copy has key state of its own, which only its
/// own records advance (issue 9). With shared state, the copy below would fail to open the
/// record the original already opened, and two copies would seal under consecutive nonces.
@Suite struct SecretStreamCopyTests {
    let key = RandomBytes.secret(SecretStream.keyLength)

    @Test func aCopiedPullOpensTheSameNextRecordAsTheOriginal() throws {
        var push = try SecretStream.Push(key: key)
        let first = try push.push([1]), second = try push.push([2, 2])
        var original = try SecretStream.Pull(key: key, header: push.header)
        #expect(try original.pull(first).message == [1])
        var copy = original
        #expect(try original.pull(second).message == [2, 2])
        #expect(try copy.pull(second).message == [2, 2]) // not advanced by the original
        #expect(throws: SodiumError.authenticationFailed) { try copy.pull(second) } // its own state did advance
    }

    @Test func aCopiedPushSealsTheSameRecordsAsTheOriginal() throws {
        var original = try SecretStream.Push(key: key)
        let first = try original.push([0])
        var copy = original
        let fromOriginal = [try original.push([7, 7, 7]), try original.push([8], tag: .final)]
        let fromCopy = [try copy.push([7, 7, 7]), try copy.push([8], tag: .final)]
        #expect(fromCopy == fromOriginal) // same state, same nonces: same bytes, record by record
        var pull = try SecretStream.Pull(key: key, header: copy.header)
        #expect(try pull.pull(first).message == [0])
        #expect(try pull.pull(fromCopy[0]).message == [7, 7, 7])
        #expect(try pull.pull(fromCopy[1]) == ([8], .final))
    }
}
