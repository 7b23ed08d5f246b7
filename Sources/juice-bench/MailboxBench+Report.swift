import Foundation

extension MailboxBench {
    /// What the runs measured, one entry per run.
    struct Results {
        var store: [LoginLoad.Run] = [], storeBase: [Double] = []
        var withMail: [LoginLoad.Run] = [], withoutMail: [LoginLoad.Run] = []
        var fetch: [Cycles] = [], fetchNone: [Cycles] = []
    }

    /// Section 12 from the runs' medians, with how they were measured.
    static func section(users: Int, seconds: Int, runs: Int, senders: Int, loginWaiting: Int, fetchPerRun: Int, _ results: Results) -> Section {
        let region = users / 5
        let storeRate = median(results.store.map(\.rate)), base = median(results.storeBase)
        let tenP50 = median(results.withMail.map(\.p50)), tenP99 = median(results.withMail.map(\.p99))
        let noneP50 = median(results.withoutMail.map(\.p50)), noneP99 = median(results.withoutMail.map(\.p99))
        let fetchMessages = median(results.fetch.map(\.messageRate)), fetchLogins = median(results.fetch.map(\.loginRate))
        let noneLogins = median(results.fetchNone.map(\.loginRate))
        return Section(title: "12. Waiting messages at \(users) users", figures: [
            Figure(name: "store: messages stored per second (juiced)", value: storeRate, unit: "/s"),
            Figure(name: "store: latency p50", value: median(results.store.map(\.p50)) * 1000, unit: "ms"),
            Figure(name: "store: latency p99", value: median(results.store.map(\.p99)) * 1000, unit: "ms"),
            Figure(name: "store: pgbench, the same SQL", value: base, unit: "tx/s"),
            Figure(name: "store: ratio to pgbench", value: storeRate / base * 100, unit: "%"),
            Figure(name: "fetch: messages delivered and acknowledged per second", value: fetchMessages, unit: "/s"),
            Figure(name: "fetch: logins with \(waiting) waiting, each + its acknowledgement", value: fetchLogins, unit: "/s"),
            Figure(name: "fetch: logins with none waiting (same driver, no acknowledgement)", value: noneLogins, unit: "/s"),
            Figure(name: "fetch: login + acknowledgement rate / login rate with none", value: fetchLogins / noneLogins * 100, unit: "%"),
            Figure(name: "login with \(waiting) waiting: latency p50", value: tenP50 * 1000, unit: "ms"),
            Figure(name: "login with \(waiting) waiting: latency p99", value: tenP99 * 1000, unit: "ms"),
            Figure(name: "login with \(waiting) waiting: logins per second", value: median(results.withMail.map(\.rate)), unit: "/s"),
            Figure(name: "login with none waiting: latency p50", value: noneP50 * 1000, unit: "ms"),
            Figure(name: "login with none waiting: latency p99", value: noneP99 * 1000, unit: "ms"),
            Figure(name: "login with none waiting: logins per second", value: median(results.withoutMail.map(\.rate)), unit: "/s"),
            Figure(name: "p50 with \(waiting) waiting / p50 with none", value: tenP50 / noneP50, unit: "×"),
            Figure(name: "p99 with \(waiting) waiting / p99 with none", value: tenP99 / noneP99, unit: "×"),
        ], method: """
            \(users) users made with `generate_series`, each with 20 accepted buddies (as in section 2), \
            cut into five regions of \(region) so the phases do not disturb each other; one release \
            `juiced` (pool of 8 connections); \(runs) runs of every phase, interleaved, \(seconds) s each; \
            medians of the runs. Envelopes are well-formed mode-0 envelopes of \(envelopeBytes) bytes (a short \
            chat line sealed is about that size) made of random bytes with the message ID at bytes 34..<50 \
            (mode 1 needs a prekey claimed per message, a call of its own): \
            the server checks only the version, mode, length and ID, and never opens one. \
            **Store:** \(senders) senders, every \(spacing)th user of region A, logged in first with \
            command tokens (`online: false`); `wrk -t 2 -c \(concurrency)` (keep-alive) sends \
            `POST /v1/buddies/{name}/messages` with a random (sender, recipient) pair per request, the \
            recipient one of the sender's buddies n+1...n+10, who never log in (offline), with a new \
            random ID each time; no two senders share a recipient, so no mailbox comes near its caps. \
            Each request authenticates the token and runs `mailbox_store`. The baseline is \
            `pgbench -M prepared -c \(concurrency) -j 2` running those two statements (`AccountSQL.authenticate` \
            and `AccountSQL.storeMessage`, the same envelope size, senders of region B with sessions made \
            in SQL), so the ratio is juiced's overhead over its SQL. \
            **Login with \(waiting) waiting vs none:** region C's odd users have \(waiting) waiting messages each \
            (\(loginWaiting) users, from their buddy n+1, inserted with SQL round-robin, one message per user at \
            a time, so a user's messages lie on different pages as when they arrive over days); they log \
            in online again and again (`wrk -t 2 -c \(concurrency)`, random user per request, as section 2) \
            and never acknowledge, so every login reads and returns all \(waiting) (about 3.4 KB more reply). The \
            comparison is the same load on region D's odd users, with nothing waiting; wrk's percentiles \
            per run. **Fetch:** region E's odd users have \(waiting) waiting messages each \
            (\(fetchPerRun) fresh users per run); `wrk -t \(cycleConnections) -c \(cycleConnections)` (one \
            connection per thread, whose Lua state keeps the login's token and seqs) logs each in once \
            (online) and then sends `POST /v1/mailbox/ack` with the \(waiting) seqs, which deletes them \
            and gives the sender receipts; messages/s counts acknowledged messages. Its comparison is the \
            same driver on region D's users with nothing waiting, where a login makes no \
            acknowledgement call. wrk, pgbench, PostgreSQL and juiced share the machine's \
            \(ProcessInfo.processInfo.activeProcessorCount) cores.
            """)
    }
}
