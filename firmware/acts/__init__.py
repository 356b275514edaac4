"""What the box does on a line itself: scripts of prompts, keys and recordings.

A box-held call (a satisfaction survey, voicemail, a firewall's message, an
IVR menu) is a script: a generator that yields steps (``steps``: play a
prompt, wait for a key, record a message, ring the office's phones) and is
sent what each step gave. The engine runs a script on a line frame by frame
(``firmware.engine.acting``); the web's dry run of an IVR menu walks the
same script with typed keys. Scripts do no I/O and read no clock.
"""
