/*
 * email.yar - example scope set for "e-mail of these accounts": messages in
 * mbox, Maildir, EML and PST stores that were sent from or to the named
 * addresses.  Edit the addresses; keep `nocase`.
 *
 * A Unix mailbox (mbox) is split into its messages, each an item of its own
 * (inbox!/000001.eml): the rule judges the messages and leaves the mailbox
 * itself (container "mailbox") alone, so that a mailbox holding one message
 * of a named account does not take every other message with it.
 */

rule mail_of_named_accounts : relevant
{
    meta:
        reason = "e-mail message of a named account"
    strings:
        $a1 = "alice@acme.example" nocase
        $a2 = "cfo@acme.example" nocase
        $hdr1 = "From: "
        $hdr2 = "To: "
    condition:
        any of ($a*) and any of ($hdr*) and container != "mailbox" and
        (category == "email" or extension == "mbox" or extension == "eml" or filepath matches /\/(Maildir|mail)\//)
}

rule outlook_stores : needs_review
{
    meta:
        reason = "Outlook PST/OST store: contents not parsed yet"
    strings:
        $pst = { 21 42 44 4E }  // "!BDN"
    condition:
        $pst at 0 and (extension == "pst" or extension == "ost")
}
