"""Everything the box keeps: the SQLite database, the recording files and the hash chain.

Standard library only (no numpy, no DSP extension), so that ``recovery`` can
check and repair the store on a box whose engine does not start. The hash
chain itself (``chain``) is too; what signs it and checks its signatures
(``signing``, ``integrity``, ``chain_proof``) needs ``cryptography``, and
recovery never imports those.
"""
