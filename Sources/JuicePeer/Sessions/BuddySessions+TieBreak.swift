import JuiceCore

extension BuddySessions {
    /// Which of two sessions with one buddy both sides keep (protocol.md 4.5): one with a new
    /// peer ID (a re-login) wins; with the same peer ID, one that does not run through a relay
    /// over one that does (both sides know which do); then the one dialled by the smaller
    /// username; if the same side dialled both, the one whose M1 has the later timestamp.
    func keeps(_ new: Link, over existing: Link, _ buddy: Username) -> Bool {
        if new.remotePeerID != existing.remotePeerID { return true }
        if (new.path == .relayed) != (existing.path == .relayed) { return existing.path == .relayed }
        let (newDialler, existingDialler) = (dialler(of: new, buddy), dialler(of: existing, buddy))
        if newDialler != existingDialler { return newDialler < existingDialler }
        return new.timestamp > existing.timestamp
    }

    /// Whose M1 made `link`'s session: ours, or the buddy's.
    func dialler(of link: Link, _ buddy: Username) -> Username {
        link.initiator ? username : buddy
    }
}
