import Foundation
import JuiceServer
import JuiceTestSupport
import Postgres

/// Figure 12's store phase: juiced leaving messages under wrk, against pgbench running the same SQL.
extension MailboxBench {
    // MARK: Store

    /// wrk leaving messages: a random (token, sender) line of `tokenFile` per request, to buddy
    /// sender + 1...10, with a new random ID.
    static func storeLoad(url: String, tokenFile: URL, prefix: [UInt8], suffix: [UInt8], seconds: Int) async throws -> LoginLoad.Run {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("juice-store-\(UInt32.random(in: 0...UInt32.max)).lua")
        defer { try? FileManager.default.removeItem(at: script) }
        try storeScript.write(to: script, atomically: true, encoding: .utf8)
        // The first 33 bytes encode alone (33 = 3 × 11); the script encodes the next 18 (a random
        // byte, the ID, a random byte); the rest encode alone, with their padding.
        let result = try await ManagedProcess.run(
            LoginLoad.wrk,
            ["-t", "2", "-c", String(concurrency), "-d", "\(seconds)s", "-s", script.path, url, "--",
             tokenFile.path, Data(prefix.prefix(33)).base64EncodedString(), Data(suffix.dropFirst()).base64EncodedString()],
            timeout: .seconds(seconds + 30)
        )
        guard result.status == 0 else { throw BenchError("wrk failed: \(result.error)") }
        return try LoginLoad.parse(result.output)
    }

    /// Arguments: the token file, the envelope's first 33 bytes and its bytes from 51 on, in
    /// base64. Bytes 33..<51 (a random byte, the random 16-byte ID at 34..<50, a random byte) are
    /// encoded here.
    static let storeScript = """
        local counter = 1
        local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        local function b64(s)
          local out = {}
          for i = 1, #s, 3 do
            local a, b, c = s:byte(i, i + 2)
            local n = a * 65536 + (b or 0) * 256 + (c or 0)
            local d = {math.floor(n / 262144) % 64, math.floor(n / 4096) % 64, math.floor(n / 64) % 64, n % 64}
            out[#out + 1] = alphabet:sub(d[1] + 1, d[1] + 1) .. alphabet:sub(d[2] + 1, d[2] + 1)
              .. (b and alphabet:sub(d[3] + 1, d[3] + 1) or "=") .. (c and alphabet:sub(d[4] + 1, d[4] + 1) or "=")
          end
          return table.concat(out)
        end
        local function bytes(count)
          local t = {}
          for j = 1, count do t[j] = string.char(math.random(0, 255)) end
          return table.concat(t)
        end
        function setup(thread) thread:set("seed", counter); counter = counter + 1 end
        function init(args)
          math.randomseed(os.time() * 1000 + seed)
          tokens = {}; senders = {}
          for line in io.lines(args[1]) do
            local token, sender = line:match("^(%S+) (%d+)$")
            if token then tokens[#tokens + 1] = token; senders[#senders + 1] = tonumber(sender) end
          end
          prefix = args[2]; suffix = args[3]
        end
        function request()
          local i = math.random(1, #tokens)
          local id = bytes(16)
          local body = '{"id":"' .. b64(id) .. '","envelope":"' .. prefix .. b64(bytes(1) .. id .. bytes(1)) .. suffix .. '"}'
          return wrk.format("POST", "/v1/buddies/user" .. (senders[i] + math.random(1, 10)) .. "/messages",
            {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[i]}, body)
        end
        """ + LoginLoad.summaryFunction

    /// pgbench running what one stored message costs juiced in SQL: the token's session, then
    /// `mailbox_store`. Returns transactions (messages) per second.
    static func pgbench(_ context: BenchContext, database: TestDatabase, senders: Int, first: Int, prefix: [UInt8], suffix: [UInt8]) async throws -> Double {
        let clients = context.quick ? 8 : concurrency, perClient = context.quick ? 20 : 400
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("juice-store-\(UInt32.random(in: 0...UInt32.max)).sql")
        defer { try? FileManager.default.removeItem(at: script) }
        func substitute(_ sql: String, _ values: [String]) -> String {
            var sql = sql
            for (index, value) in values.enumerated().reversed() { sql = sql.replacingOccurrences(of: "$\(index + 1)", with: value) }
            return sql + ";\n"
        }
        func hex(_ bytes: [UInt8]) -> String { "'\\x" + bytes.map { String(format: "%02x", $0) }.joined() + "'::bytea" }
        let id = "(int8send(:a) || int8send(:b))"
        let text = "\\set i random(0, \(senders - 1))\n\\set s \(first) + :i * \(spacing)\n\\set r :s + random(1, 10)\n"
            + "\\set a random(1, 9223372036854775806)\n\\set b random(1, 9223372036854775806)\n"
            + substitute(AccountSQL.authenticate.sql, ["sha256(('juice-bench-tok' || :s)::bytea)"])
            + substitute(AccountSQL.storeMessage.sql, [
                ":s", "('user' || :r)", id, "(\(hex(prefix)) || \(id) || \(hex(suffix)))",
                String(settings.maxMessages), String(settings.maxBytes), String(settings.expirySeconds),
            ])
        try text.write(to: script, atomically: true, encoding: .utf8)
        let result = try await ManagedProcess.run(
            URL(fileURLWithPath: "/usr/bin/pgbench"),
            ["-n", "-M", "prepared", "-c", String(clients), "-j", "2", "-t", String(perClient), "-f", script.path, database.name],
            timeout: .seconds(120)
        )
        guard result.status == 0, let range = result.output.range(of: #"tps = [0-9.]+"#, options: .regularExpression),
              let tps = Double(result.output[range].dropFirst(6)) else {
            throw BenchError("pgbench failed: \(result.error) \(result.output)")
        }
        return tps
    }
}
