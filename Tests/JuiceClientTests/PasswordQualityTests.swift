import Foundation
@testable import JuiceClient
import JuiceCore
import Sodium
import Testing

@Suite struct PasswordQualityTests {
    let alice = try! Username("alice")

    @Test(arguments: ["short7!", "password1", "qwertyuiop", "alice-password", "ecila-Zq7-ecila", "aaaaaaaaaaaa"])
    func weakPasswordsAreRefused(_ password: String) {
        #expect(throws: PasswordError.self) { try PasswordQuality.check(SecretBytes(Array(password.utf8)), username: alice) }
    }

    @Test(arguments: ["Squeezed-Fresh-2026!", "correct horse battery staple 9", "Ölmühle-Zünder-47"])
    func strongPasswordsPass(_ password: String) throws {
        try PasswordQuality.check(SecretBytes(Array(password.utf8)), username: alice)
    }

    /// cracklib's dictionary handle is process-wide: checks that overlap must not fail each other
    /// ("error loading dictionary" in a parallel test run before the checks were serialised).
    @Test func concurrentChecksDoNotFailEachOther() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 {
                group.addTask { try PasswordQuality.check(SecretBytes(Array("Squeezed-Fresh-2026!".utf8)), username: alice) }
            }
            try await group.waitForAll()
        }
    }

    @Test func theReasonIsOneLine() {
        do {
            try PasswordQuality.check(SecretBytes(Array("short".utf8)), username: alice)
            Issue.record("accepted")
        } catch {
            #expect(error.description == "the password is shorter than 8 characters")
        }
    }
}
