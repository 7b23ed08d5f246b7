import Foundation
import JuiceServer
import JuiceTestSupport
import Postgres

/// Figure 12's fetch phase: logins that take their waiting messages and acknowledge them.
extension MailboxBench {
    // MARK: Fetch

    /// One run of logins, each followed by its acknowledgement when something waited.
    struct Cycles {
        let loginRate: Double
        let messageRate: Double
        /// Logins past the prepared recipients (sequential runs only).
        let exhausted: Int
    }

    /// `cycleConnections` wrk threads with one connection each log in odd users from `first` on
    /// (`count` of them: in turn when `sequential`, each once; else at random) and acknowledge
    /// what waited. Every login must find `expect` messages.
    static func cycles(url: String, first: Int, count: Int, sequential: Bool, expect: Int, seconds: Int) async throws -> Cycles {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("juice-fetch-\(UInt32.random(in: 0...UInt32.max)).lua")
        defer { try? FileManager.default.removeItem(at: script) }
        try cycleScript.write(to: script, atomically: true, encoding: .utf8)
        let result = try await ManagedProcess.run(
            LoginLoad.wrk,
            ["-t", String(cycleConnections), "-c", String(cycleConnections), "-d", "\(seconds)s", "-s", script.path, url, "--",
             String(first), String(count), sequential ? "1" : "0", String(expect), String(cycleConnections), Population.loginBody("%d")],
            timeout: .seconds(seconds + 30)
        )
        guard result.status == 0 else { throw BenchError("wrk failed: \(result.error)") }
        guard let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("juice-cycles ") }) else {
            throw BenchError("wrk printed no summary: \(result.output)")
        }
        var fields: [String: Double] = [:]
        for pair in line.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
        }
        guard let logins = fields["logins"], let acked = fields["acked"], let duration = fields["duration_us"], duration > 0,
              let errors = fields["errors"], let wrong = fields["wrong"], let exhausted = fields["exhausted"] else {
            throw BenchError("unreadable wrk summary: \(line)")
        }
        guard errors == 0 else { throw BenchError("\(Int(errors)) requests failed: \(line)") }
        guard wrong == 0 else { throw BenchError("\(Int(wrong)) logins did not find \(expect) waiting messages: \(line)") }
        return Cycles(loginRate: logins / (duration / 1e6), messageRate: acked / (duration / 1e6), exhausted: Int(exhausted))
    }

    /// Arguments: first user, how many, 1 for in turn (each once) or 0 for random, the messages
    /// each login must find, the number of threads, the login body with `%d`. A login reply's
    /// `waiting` seqs become the thread's next request, the acknowledgement. Counts logins,
    /// acknowledged messages, logins that found another number (wrong; in turn past `count`:
    /// exhausted, not wrong).
    static let cycleScript = """
        local threads = {}
        local counter = 0
        function setup(thread)
          thread:set("index", counter); counter = counter + 1
          table.insert(threads, thread)
        end
        function init(args)
          first = tonumber(args[1]); count = tonumber(args[2]); sequential = args[3] == "1"
          expect = tonumber(args[4]); nthreads = tonumber(args[5]); template = args[6]
          math.randomseed(os.time() * 1000 + index)
          k = 0; logins = 0; acked = 0; wrong = 0; exhausted = 0; bad = 0
          pending = nil; pendingCount = 0; phase = nil; past = false
        end
        function request()
          if pending then
            local body = pending; pending = nil; phase = "ack"
            return wrk.format("POST", "/v1/mailbox/ack", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
          end
          local i
          if sequential then
            i = index + k * nthreads; k = k + 1
            past = i >= count
            if past then i = i % count end
          else
            i = math.random(0, count - 1)
          end
          phase = "login"
          return wrk.format("POST", "/v1/sessions", {["Content-Type"] = "application/json"}, string.format(template, first + 2 * i))
        end
        function response(status, headers, body)
          if phase == "login" then
            if status ~= 200 then bad = bad + 1; return end
            logins = logins + 1
            local list = body:match('"waiting":%[(.-)%]')
            local seqs = {}
            if list then for s in list:gmatch('"seq":(%d+)') do seqs[#seqs + 1] = s end end
            if #seqs ~= expect then
              if past then exhausted = exhausted + 1 else wrong = wrong + 1 end
            end
            if #seqs > 0 then
              token = body:match('"token":"([^"]+)"')
              pending = '{"messages":[' .. table.concat(seqs, ",") .. ']}'
              pendingCount = #seqs
            end
          elseif phase == "ack" then
            if status ~= 204 then bad = bad + 1; return end
            acked = acked + pendingCount
          end
        end
        function done(summary, latency, requests)
          local l, a, w, x, b = 0, 0, 0, 0, 0
          for _, t in ipairs(threads) do
            l = l + t:get("logins"); a = a + t:get("acked"); w = w + t:get("wrong"); x = x + t:get("exhausted"); b = b + t:get("bad")
          end
          local e = summary.errors
          io.write(string.format("juice-cycles logins=%d acked=%d wrong=%d exhausted=%d duration_us=%d errors=%d\\n",
            l, a, w, x, summary.duration, b + e.connect + e.read + e.write + e.timeout + e.status))
        end
        """
}
