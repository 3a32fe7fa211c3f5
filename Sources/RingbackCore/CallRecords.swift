public import Foundation

/// One row of the PBX's call records, reduced to what Ringback decides with: who called whom, when, how long it rang
/// and talked, and how it ended.
public struct CallRecord: Sendable, Equatable {
    /// The calling number as the PBX logged it (Asterisk `src`, FreeSWITCH `caller_id_number`).
    public var source: String
    /// The caller ID with its name (Asterisk `clid`: `"Chen Wei" <+13105550123>`); the source when there is none.
    public var callerID: String
    /// The dialled number as the PBX logged it (`9` + outside number, `+1555…`, an extension).
    public var destination: String
    /// Where the PBX handled the call (Asterisk `dcontext`, FreeSWITCH `context`): tells inbound calls apart.
    public var context: String
    /// The channel that answered (Asterisk `dstchannel`, FreeSWITCH `bleg_uuid`); nil when the format has no such
    /// column, empty when nobody's phone answered.
    public var answeringChannel: String?
    /// The last application the call ran (`Dial`, `Queue`, `VoiceMail`); nil when the format has no such column.
    public var lastApp: String?
    public var start: Date
    /// Seconds from the start to the hang-up.
    public var durationSeconds: Int
    /// Seconds of conversation after answer.
    public var talkSeconds: Int
    /// As the PBX wrote it, upper case: `ANSWERED`, `NO ANSWER`, `BUSY`, `NORMAL_CLEARING`, `ORIGINATOR_CANCEL`.
    public var disposition: String
    /// The PBX (or a machine in it: voicemail, a queue, a menu) answered the call.
    public var answered: Bool
    /// What ties the rows of one call together (Asterisk `linkedid`, else `uniqueid`; FreeSWITCH `uuid`); nil when
    /// the format has none.
    public var callID: String?

    public init(
        source: String = "", callerID: String = "", destination: String, context: String = "", answeringChannel: String? = nil,
        lastApp: String? = nil, start: Date, durationSeconds: Int = 0, talkSeconds: Int, disposition: String = "", answered: Bool,
        callID: String? = nil
    ) {
        self.source = source
        self.callerID = callerID.isEmpty ? source : callerID
        self.destination = destination
        self.context = context
        self.answeringChannel = answeringChannel
        self.lastApp = lastApp
        self.start = start
        self.durationSeconds = max(durationSeconds, talkSeconds)
        self.talkSeconds = talkSeconds
        self.disposition = disposition
        self.answered = answered
        self.callID = callID
    }

    /// How an unanswered inbound call ended, furthest along last.
    public enum Ending: String, Sendable, Codable, Comparable, CaseIterable {
        /// The line failed or was congested.
        case failed
        /// Every phone was busy.
        case busy
        /// It rang and nobody picked up; the caller gave up.
        case noAnswer = "no_answer"
        /// A menu or announcement answered and the caller hung up there.
        case menu
        /// The caller waited in a queue (or ring group) and gave up.
        case queue
        /// The voicemail greeting answered: the caller hung up there, or left a message.
        case greeting

        public static func < (lhs: Ending, rhs: Ending) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    /// The voicemail application answered.
    public var reachedVoicemail: Bool { lastApp?.lowercased() == "voicemail" }

    /// A person's phone answered and they talked: not voicemail, not a queue or menu nobody picked up. Without an
    /// answering-channel column (FreeSWITCH's stock template) every answered call with talk time counts.
    public var answeredByPerson: Bool {
        answered && talkSeconds > 0 && !reachedVoicemail && (answeringChannel.map { !$0.isEmpty } ?? true)
    }

    /// How this call ended when no person answered it.
    public var ending: Ending {
        if reachedVoicemail { return .greeting }
        if answered { return lastApp?.lowercased() == "queue" ? .queue : .menu }
        switch disposition {
        case "BUSY", "USER_BUSY": return .busy
        case "FAILED", "CONGESTION", "NORMAL_TEMPORARY_FAILURE", "NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER": return .failed
        default: return .noAnswer
        }
    }

    /// How long the caller waited for a person: the ring before voicemail answered, the whole call otherwise.
    public var waitSeconds: Int { reachedVoicemail ? durationSeconds - talkSeconds : durationSeconds }

    /// When the caller hung up.
    public var end: Date { start.addingTimeInterval(TimeInterval(durationSeconds)) }
}

/// Reads call-detail CSV lines: Asterisk's `cdr_csv` (no header row, every field quoted, quotes doubled, local times
/// without offset, 16 to 21 columns) or a FreeSWITCH `cdr_csv` template whose columns the admin names.
public struct CallRecordFormat: Sendable {
    /// Zero-based columns of the fields Ringback needs; the optional ones may be missing from a format or a line.
    public var source: Int
    public var callerID: Int?
    public var destination: Int
    public var context: Int
    public var answeringChannel: Int?
    public var lastApp: Int?
    public var start: Int
    public var duration: Int
    public var talkSeconds: Int
    /// Asterisk's `disposition` (`ANSWERED`) or FreeSWITCH's `hangup_cause` (`NORMAL_CLEARING` with talk time).
    public var disposition: Int
    /// Tried in order: the first non-empty one ties the call's rows together.
    public var callIDs: [Int]
    public var timeZone: TimeZone

    /// `accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration,
    /// billsec, disposition, amaflags[, uniqueid, userfield[, peeraccount, linkedid, sequence]]`
    public static func asterisk(timeZone: TimeZone) -> CallRecordFormat {
        CallRecordFormat(
            source: 1, callerID: 4, destination: 2, context: 3, answeringChannel: 6, lastApp: 7, start: 9, duration: 12, talkSeconds: 13,
            disposition: 14, callIDs: [19, 16], timeZone: timeZone)
    }

    /// Columns named as in FreeSWITCH's `cdr_csv` template: `caller_id_number`, `destination_number`, `context`,
    /// `start_stamp`, `duration`, `billsec` and `hangup_cause` must be among them; `caller_id_name`, `bleg_uuid`,
    /// `last_app` and `uuid` are read when there.
    public static func freeswitch(columns: [String], timeZone: TimeZone) throws(CallRecordFormatError) -> CallRecordFormat {
        func index(_ name: String) throws(CallRecordFormatError) -> Int {
            guard let index = columns.firstIndex(of: name) else { throw CallRecordFormatError(missing: name) }
            return index
        }
        return CallRecordFormat(
            source: try index("caller_id_number"), callerID: columns.firstIndex(of: "caller_id_name"), destination: try index("destination_number"),
            context: try index("context"), answeringChannel: columns.firstIndex(of: "bleg_uuid"), lastApp: columns.firstIndex(of: "last_app"),
            start: try index("start_stamp"), duration: try index("duration"), talkSeconds: try index("billsec"), disposition: try index("hangup_cause"),
            callIDs: [columns.firstIndex(of: "uuid")].compactMap { $0 }, timeZone: timeZone)
    }

    /// The record in one CSV line; nil for a line that is not one (blank, too few columns, a bad time).
    public func record(_ line: Substring) -> CallRecord? {
        let fields = Self.fields(line)
        guard fields.count > max(source, destination, context, start, duration, talkSeconds, disposition) else { return nil }
        guard let started = WallClock.parse(fields[start], "yyyy-MM-dd HH:mm:ss", in: timeZone) else { return nil }
        func optional(_ index: Int?) -> String? { index.flatMap { $0 < fields.count ? fields[$0] : nil } }
        let talk = max(0, Int(fields[talkSeconds]) ?? 0)
        let outcome = fields[disposition].uppercased()
        let answered = outcome == "ANSWERED" || (outcome == "NORMAL_CLEARING" && talk > 0)
        var callerID = optional(callerID) ?? ""
        // FreeSWITCH logs the name and the number in two columns.
        if self.callerID != nil, !callerID.contains("<"), !fields[source].isEmpty, callerID != fields[source] {
            callerID = callerID.isEmpty ? fields[source] : "\"\(callerID)\" <\(fields[source])>"
        }
        return CallRecord(
            source: fields[source], callerID: callerID, destination: fields[destination], context: fields[context],
            answeringChannel: optional(answeringChannel), lastApp: optional(lastApp), start: started, durationSeconds: max(0, Int(fields[duration]) ?? 0),
            talkSeconds: talk, disposition: outcome, answered: answered, callID: callIDs.lazy.compactMap { optional($0) }.first { !$0.isEmpty })
    }

    /// RFC 4180 fields: quoted or bare, `""` inside quotes is one quote.
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if quoted {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        field.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else if character != "\r" {
                field.append(character)
            }
            index = line.index(after: index)
        }
        fields.append(field)
        return fields
    }
}

public struct CallRecordFormatError: Error, Sendable {
    public var missing: String
}
