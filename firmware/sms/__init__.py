"""Text messages: what the box sends and receives through a GSM modem, and what it may send.

- ``pdu``: SMS PDUs (3GPP TS 23.040, TS 23.038) encoded and decoded: SMS-SUBMIT,
  SMS-DELIVER, SMS-STATUS-REPORT; the GSM 7-bit default alphabet and UCS2; long texts
  split into concatenated parts and joined again. Every garbled PDU is one ``PduError``
  naming what is wrong.
- ``words``: the sensitive-word filter on outgoing messages (``WordFilter``): the admin's
  words found in a text with an Aho-Corasick automaton, through full-width forms, case
  and symbols slipped between the characters.
- ``templates``: the office's templates, their placeholders rendered for a customer in
  Chinese or English, and a text's size (characters, alphabet, parts).
- ``outbox``: every outgoing message into the send queue through the word check
  (refused, or held for approval).
- ``greetings``: the box's own messages, each sent once: birthday and holiday
  greetings, replies to missed calls, voicemail notices.

``pdu``, ``words`` and ``templates`` are pure code over ``firmware.errors``; ``outbox``
and ``greetings`` use the store and the configuration. No threads: the engine's
``sms-jobs`` thread runs the greetings.
"""
