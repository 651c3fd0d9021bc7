"""What the receiving mail server says about a message's sender.

A mail server that checks SPF, DKIM and DMARC writes its findings in an
``Authentication-Results`` header (RFC 8601) that names it by its
``authserv-id``. Anyone can write such a header into a message before sending
it, so only the one added by the server the convenor names
(``[inbox] trusted_authserv_id``) is read: the topmost header with that id,
since a receiving server adds its own above everything the sender wrote.
Headers below it, or naming another server, are ignored. The header is parsed
with ``authres``, the library written for it.
"""

from __future__ import annotations

from email.message import Message

import authres


def dmarc_failure(head: Message, trusted_authserv_id: str, sender: str | None) -> str | None:
    """Why the trusted server's DMARC verdict makes this message doubtful, or None."""
    if not trusted_authserv_id:
        return None
    for value in head.get_all("Authentication-Results") or ():
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(" ".join(str(value).split()))
        except (authres.AuthResError, ValueError, IndexError):
            continue  # unreadable: it cannot be the trusted server's
        if str(parsed.authserv_id).lower() != trusted_authserv_id:
            continue
        domain = (sender or "").rpartition("@")[2].lower()
        for result in parsed.results:
            if str(result.method).lower() != "dmarc":
                continue
            header_from = next(
                (
                    str(prop.value).lower()
                    for prop in result.properties
                    if prop.type == "header" and prop.name == "from"
                ),
                domain,
            )
            if header_from == domain and str(result.result).lower() == "fail":
                return (
                    f"{trusted_authserv_id} reports that DMARC failed for {domain or 'the sender'}"
                    ": the From address may be forged"
                )
        return None  # the trusted server's own header is the only one read
    return None
