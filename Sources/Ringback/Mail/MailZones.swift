import Foundation
import RingbackCore

/// Who reads times in which zone: `mail.timezones` per address, the owner's for everyone else.
struct MailZones {
    struct Group {
        var zone: TimeZone
        var to: [MailAddress]
        var cc: [MailAddress]
        /// The group that gets the message under its own Message-ID: the first recipient's.
        var isMain: Bool
    }

    let zones: [String: TimeZone]
    let owner: TimeZone

    init(_ mail: MailConfig, owner: TimeZone) {
        zones = mail.timezones
        self.owner = owner
    }

    func zone(of address: MailAddress) -> TimeZone { zones[address.address.lowercased()] ?? owner }

    /// Recipients split by zone; the main group (the first recipient's) last, so its copy goes out last.
    func groups(to: [MailAddress], cc: [MailAddress]) -> [Group] {
        guard !zones.isEmpty else { return [Group(zone: owner, to: to, cc: cc, isMain: true)] }
        var order: [String] = []
        var byZone: [String: Group] = [:]
        for (address, isCopy) in to.map({ ($0, false) }) + cc.map({ ($0, true) }) {
            let zone = zone(of: address)
            if byZone[zone.identifier] == nil {
                order.append(zone.identifier)
                byZone[zone.identifier] = Group(zone: zone, to: [], cc: [], isMain: order.count == 1)
            }
            if isCopy { byZone[zone.identifier]?.cc.append(address) } else { byZone[zone.identifier]?.to.append(address) }
        }
        let groups = order.compactMap { byZone[$0] }
        return groups.filter { !$0.isMain } + groups.filter(\.isMain)
    }
}

extension MessageCard {
    /// The copy for readers in `zone`: its own token and Message-ID, replying to the matching copy of its parent.
    func inTimeZone(_ zone: TimeZone) -> MessageCard {
        let suffix = ".tz-" + zone.identifier.lowercased().replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "_", with: "-")
        var copy = self
        copy.timeZone = zone
        copy.token = token + suffix
        copy.messageID = Self.messageID(token: copy.token, domain: from.domain)
        copy.inReplyTo = inReplyTo.map { parent in
            guard let at = parent.firstIndex(of: "@") else { return parent }
            return String(parent[..<at]) + suffix + String(parent[at...])
        }
        return copy
    }
}

extension DeliveryReport {
    mutating func merge(_ other: DeliveryReport) {
        accepted += other.accepted
        refused += other.refused
    }
}
