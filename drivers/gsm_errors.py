"""What a GSM modem's ``+CMS ERROR: <n>`` and ``+CME ERROR: <n>`` mean, in one line each.

``+CMS ERROR`` (3GPP TS 27.005 3.2.5) answers the text-message commands: 1 to 127
are the network's causes (TS 24.011 E.2), 128 to 255 the service centre's
(TS 23.040 9.2.3.22, TP-FCS), 300 and up the modem's own. ``+CME ERROR``
(TS 27.007 9.2) answers the others (the SIM, the network registration).

Each code has a scope, what a sender does about it:

- ``MESSAGE``: this message cannot be sent as it is (a number that does not
  exist, barred, refused by the centre): it fails, with the meaning;
- ``RETRY``: a passing failure of the network or the centre (congestion,
  network out of order): the message is tried again later;
- ``MODEM``: the modem cannot send anything now (no SIM, a PIN, no network,
  no service centre number): no message is blamed, every one waits until the
  modem is ready again.
"""

from __future__ import annotations

__all__ = ["MESSAGE", "MODEM", "RETRY", "meaning_of"]

MESSAGE = "message"
RETRY = "retry"
MODEM = "modem"

CMS_ERRORS: dict[int, tuple[str, str]] = {
    # The network's causes (TS 24.011 E.2).
    1: ("unassigned number: the number does not exist", MESSAGE),
    8: ("operator determined barring: the network bars this message", MESSAGE),
    10: ("call barred: sending to this number is barred", MESSAGE),
    17: ("network failure", RETRY),
    21: ("short message transfer rejected by the network", MESSAGE),
    22: ("memory capacity exceeded at the network", RETRY),
    27: ("destination out of service", RETRY),
    28: ("unidentified subscriber", MESSAGE),
    29: ("facility rejected by the network", MESSAGE),
    30: ("unknown subscriber", MESSAGE),
    38: ("network out of order", RETRY),
    41: ("temporary failure of the network", RETRY),
    42: ("network congestion", RETRY),
    47: ("network resources unavailable", RETRY),
    50: ("requested facility not subscribed: the SIM's plan has no text messages", MODEM),
    69: ("requested facility not implemented by the network", MESSAGE),
    81: ("invalid short message transfer reference", RETRY),
    95: ("invalid message", MESSAGE),
    96: ("invalid mandatory information in the message", MESSAGE),
    97: ("message type not implemented by the network", MESSAGE),
    98: ("message not compatible with the protocol state", RETRY),
    99: ("information element not implemented by the network", MESSAGE),
    111: ("protocol error", RETRY),
    127: ("interworking error", RETRY),
    # The service centre's (TS 23.040 9.2.3.22).
    128: ("telematic interworking not supported", MESSAGE),
    129: ("short message type 0 not supported", MESSAGE),
    130: ("cannot replace the short message", MESSAGE),
    143: ("protocol identifier error", MESSAGE),
    144: ("data coding scheme (alphabet) not supported by the centre", MESSAGE),
    145: ("message class not supported by the centre", MESSAGE),
    159: ("data coding scheme error", MESSAGE),
    160: ("command cannot be actioned by the centre", MESSAGE),
    161: ("command unsupported by the centre", MESSAGE),
    175: ("command error at the centre", MESSAGE),
    176: ("message type not supported by the centre", MESSAGE),
    192: ("service centre busy", RETRY),
    193: ("no subscription with the service centre", MODEM),
    194: ("service centre system failure", RETRY),
    195: ("invalid destination address", MESSAGE),
    196: ("destination barred", MESSAGE),
    197: ("rejected as a duplicate by the centre", MESSAGE),
    198: ("validity period format not supported by the centre", MESSAGE),
    199: ("validity period not supported by the centre", MESSAGE),
    208: ("SIM message store full", MODEM),
    209: ("no message store on the SIM", MODEM),
    210: ("error in the modem", RETRY),
    211: ("memory capacity exceeded", MODEM),
    212: ("SIM toolkit busy", RETRY),
    213: ("SIM data download error", RETRY),
    255: ("unspecified error at the centre", RETRY),
    # The modem's own (TS 27.005 3.2.5).
    300: ("modem failure", RETRY),
    301: ("the modem's message service is reserved", RETRY),
    302: ("operation not allowed", MODEM),
    303: ("operation not supported", MODEM),
    304: ("invalid PDU mode parameter: the modem refused the message's PDU", MESSAGE),
    305: ("invalid text mode parameter: the modem refused the message's text", MESSAGE),
    310: ("SIM not inserted", MODEM),
    311: ("SIM PIN required", MODEM),
    312: ("PH-SIM PIN required", MODEM),
    313: ("SIM failure", MODEM),
    314: ("SIM busy", RETRY),
    315: ("SIM wrong", MODEM),
    316: ("SIM PUK required", MODEM),
    317: ("SIM PIN2 required", MODEM),
    318: ("SIM PUK2 required", MODEM),
    320: ("memory failure", MODEM),
    321: ("invalid memory index", RETRY),
    322: ("memory full: the SIM's message store is full", MODEM),
    330: ("service centre (SMSC) address unknown: set it with AT+CSCA", MODEM),
    331: ("no network service", MODEM),
    332: ("network timeout", RETRY),
    340: ("no +CNMA acknowledgement expected", RETRY),
    500: ("unknown error", RETRY),
}

CME_ERRORS: dict[int, tuple[str, str]] = {
    0: ("phone failure", RETRY),
    1: ("no connection to phone", MODEM),
    3: ("operation not allowed", MODEM),
    4: ("operation not supported", MODEM),
    5: ("PH-SIM PIN required", MODEM),
    10: ("SIM not inserted", MODEM),
    11: ("SIM PIN required", MODEM),
    12: ("SIM PUK required", MODEM),
    13: ("SIM failure", MODEM),
    14: ("SIM busy", RETRY),
    15: ("SIM wrong", MODEM),
    16: ("incorrect password", MODEM),
    17: ("SIM PIN2 required", MODEM),
    18: ("SIM PUK2 required", MODEM),
    20: ("memory full", MODEM),
    21: ("invalid index", RETRY),
    22: ("not found", RETRY),
    23: ("memory failure", MODEM),
    24: ("text string too long", MESSAGE),
    25: ("invalid characters in text string", MESSAGE),
    26: ("dial string too long", MESSAGE),
    27: ("invalid characters in dial string", MESSAGE),
    30: ("no network service", MODEM),
    31: ("network timeout", RETRY),
    32: ("network not allowed: emergency calls only", MODEM),
    100: ("unknown error", RETRY),
}


def meaning_of(family: str, code: int | None, text: str = "") -> tuple[str, str]:
    """The meaning and scope of ``+<family> ERROR: <code>`` (family ``CMS`` or ``CME``);
    ``text`` is the modem's own words when it gave words instead of a number."""
    if code is None:
        return (text or "no reason given"), RETRY
    table = CMS_ERRORS if family == "CMS" else CME_ERRORS
    if code in table:
        return table[code]
    if family == "CMS" and code < 128:
        return f"network cause {code}", RETRY
    if family == "CMS" and code < 256:
        return f"service centre error {code:#04x}", MESSAGE
    return f"the modem's own error {code} (see its AT command manual)", RETRY
