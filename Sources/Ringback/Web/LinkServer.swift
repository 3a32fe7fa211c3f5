public import Foundation
public import Hummingbird
public import Logging
import RingbackCore

/// `ringback watch`'s web side: the one-click links' confirmation pages.
///
/// `GET /a/TOKEN` checks the link and only asks ("Mark this callback as called back?"), so a mail scanner that
/// prefetches links changes nothing; the page's button POSTs to the same URL, and only that acts, once. A tampered,
/// expired, reused or unknown link gets a page that says which, with a 4xx status.
///
/// It also serves `/metrics` (Prometheus text) and `/healthz`.
public struct LinkServer: Sendable {
    let ledger: any Ledger
    let links: CallbackLinks?
    let owner: OwnerConfig
    /// For the new deadline "Not spam" gives.
    let callbacks: CallbacksConfig
    /// The provider whose inbound webhook says STOP.
    let callerTexts: CallerTextsConfig?
    /// `web.public_url`: the URL the providers call, which Twilio's signature covers.
    let publicURL: String?
    let metrics: RingbackMetrics?
    let maxConnections: Int
    /// `web.push`: PBXs that upload their voicemail.
    let push: PushConfig?
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        ledger: any Ledger, web: WebConfig, owner: OwnerConfig, callbacks: CallbacksConfig = CallbacksConfig(), callerTexts: CallerTextsConfig? = nil,
        metrics: RingbackMetrics? = nil, logger: Logger = Logger(label: "ringback.web") { _ in SwiftLogNoOpLogHandler() },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.push = web.push
        self.logger = logger
        self.callbacks = callbacks
        self.callerTexts = callerTexts
        self.publicURL = web.publicURL
        self.ledger = ledger
        self.links = CallbackLinks(config: web)
        self.owner = owner
        self.metrics = metrics
        self.maxConnections = web.maxConnections
        self.now = now
    }

    /// The Hummingbird application, a Service for `watch`'s ServiceGroup. `onRunning` hears the bound port.
    public func application(
        host: String, port: Int, logger: Logger, idleTimeout: Duration = .seconds(15), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        // For a proxy's or a monitor's health check: 200 while the ledger answers a read, 503 when it does not (gone,
        // replaced, unreadable), so a node that lost its ledger is taken out of rotation rather than taking uploads.
        router.get("healthz") { _, _ -> Response in
            do throws(LedgerError) {
                // Within 5 s: a proxy's health check would time out first, on a database that no longer answers.
                _ = try await self.ledger.answering(within: .seconds(5)) { [ledger] () async throws(LedgerError) in try await ledger.voicemail(id: 0) }
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
            } catch {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "the ledger does not answer (\(error.code.rawValue))\n")))
            }
        }
        router.get("metrics") { _, _ -> Response in
            guard let metrics = self.metrics else { return Response(status: .notFound) }
            let text = await metrics.scrape(ledger: self.ledger, now: self.now())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("a/:token") { _, context in
            try await self.page(token: context.parameters.get("token") ?? "", acting: false)
        }
        router.post("a/:token") { _, context in
            try await self.page(token: context.parameters.get("token") ?? "", acting: true)
        }
        addTextRoutes(to: router)
        addPushRoutes(to: router)
        // The listener may face the internet: a connection that sends nothing for `idleTimeout`, or no whole request
        // within it, is closed, and at most `web.max_connections` are open, so idle connections cannot pile up and
        // take the descriptors intake needs.
        let nanoseconds = idleTimeout.components.seconds * 1_000_000_000 + idleTimeout.components.attoseconds / 1_000_000_000
        let connections = ConnectionGuard(limit: maxConnections, requestTimeout: .nanoseconds(nanoseconds), logger: logger)
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [connections.handler()], idleTimeout: .nanoseconds(nanoseconds))),
            configuration: .init(address: .hostname(host, port: port), serverName: "Ringback"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// The page for a link: the question (GET) or what was done (POST). Every refusal is a `LinkPage` thrown with its
    /// 4xx or 5xx status, rendered by Hummingbird as the same kind of page.
    func page(token: String, acting: Bool) async throws(LinkPage) -> LinkPage {
        guard let links else { throw LinkPage(.notFound, "No links here", "This Ringback does not sign links (web.public_url and web.secret are not set).") }
        let claim: CallbackLinks.Claim
        switch links.verify(token, now: now()) {
        case .success(let valid): claim = valid
        case .failure(.malformed): throw LinkPage(.badRequest, "Not a Ringback link", "This link is incomplete or damaged. Open it from the email again.")
        case .failure(.tampered):
            throw LinkPage(.forbidden, "This link is not valid", "It was changed after Ringback signed it, or signed with another key. Nothing was done.")
        case .failure(.expired(let when)):
            throw LinkPage(.gone, "This link has expired", "It stopped working on \(format(when)). Use ringback callbacks, or a newer email.")
        }
        let record: VoicemailRecord?
        do throws(LedgerError) {
            record = try await ledger.voicemail(id: claim.voicemailID)
        } catch {
            throw LinkPage(.internalServerError, "Ringback cannot read its ledger", "Nothing was done. Try again in a minute.")
        }
        guard let record else { throw LinkPage(.notFound, "No such callback", "Callback #\(claim.voicemailID) is not in the ledger.") }
        let caller = record.caller(owner: owner)
        let who = "#\(claim.voicemailID) \(caller)"
        // A link opened again after it acted says what it did and where the callback stands, not the question again.
        if !acting, let used = try? await ledger.linkUsed(nonce: claim.nonce) {
            throw LinkPage(.conflict, "This link was already used", "It acted on \(format(used)). \(standing(record, who: who))")
        }
        guard acting else {
            var question = claim.action.question
            if claim.action == .late {
                let later = callbacks.laterDeadline(than: record.dueAt, urgent: record.isUrgent, now: now(), timeZone: owner.timezone)
                question =
                    "Text \(caller.name ?? caller.description) that you will call \(CallbackPromise.phrase(later, now: now(), timeZone: owner.timezone))?"
            }
            let form =
                #"<form method="post"><button type="submit" style="padding:12px 18px;font-size:17px;background:#1a7f37;color:#ffffff;border:0;border-radius:8px">Yes: \#(MIMEEncoding.html(claim.action.label))</button></form>"#
            return LinkPage(.ok, question, "Callback \(who), received \(format(record.receivedAt)), due \(format(record.dueAt)).", extra: form)
        }
        let used: Bool
        do throws(LedgerError) {
            used = try await ledger.useLink(nonce: claim.nonce, voicemailID: claim.voicemailID, at: now())
        } catch {
            throw LinkPage(.internalServerError, "Ringback cannot write its ledger", "Nothing was done. Try again in a minute.")
        }
        guard used else {
            let when = (try? await ledger.linkUsed(nonce: claim.nonce)).map { "It acted on \(format($0)). " } ?? ""
            throw LinkPage(.conflict, "This link was already used", "Each link acts once. \(when)\(standing(record, who: who))")
        }
        if claim.action == .late { return try await runningLate(record, who: who) }
        let change: CallbackChange =
            switch claim.action {
            case .done: .done
            case .tried: .tried
            case .snooze: .snooze(until: now().addingTimeInterval(2 * 3600))
            case .noCallback: .noCallbackNeeded
            case .spam: .spam(reason: "marked as spam with a link", block: record.callerNumber)
            case .notSpam: .notSpam(dueAt: callbacks.deadline(receivedAt: now(), urgent: record.isUrgent, timeZone: owner.timezone))
            case .late: .tried  // handled above
            }
        let result: (record: VoicemailRecord, changed: Bool)
        do throws(LedgerError) {
            result = try await ledger.changeCallback(id: claim.voicemailID, change, by: .link, at: now())
        } catch  where error.code == .conflict {
            throw LinkPage(.conflict, "Not done", error.message)
        } catch {
            throw LinkPage(.internalServerError, "Ringback cannot write its ledger", "Nothing was done. Try again in a minute.")
        }
        let state = result.record.callbackState(at: now())
        let done = result.changed ? "Done." : "Nothing to change:"
        return LinkPage(
            .ok, "\(done) \(claim.action.label)",
            "Callback \(who) is now \(state.rawValue)\(state == .snoozed ? " until \(format(result.record.callbackSnoozedUntil ?? now()))" : "").")
    }

    /// "Callback #12 Maria Lopez is done: closed by link on Tue Dec 1, 10:42 AM."
    private func standing(_ record: VoicemailRecord, who: String) -> String {
        let state = record.callbackState(at: now())
        guard let closed = record.callbackClosedAt else { return "Callback \(who) is \(state.rawValue)." }
        let by = record.callbackClosedBy.map { ["cdr": "the call records", "link": "a link", "cli": "the command line"][$0] ?? $0 }
        return "Callback \(who) is \(state.rawValue): closed \(by.map { "by \($0) " } ?? "")on \(format(closed))."
    }

    func format(_ date: Date) -> String {
        WallClock.format(date, "EEE MMM d, h:mm a", in: owner.timezone)
    }
}
