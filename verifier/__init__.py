"""``prnglint verify``: the runtime proof that fixed training code reproduces bit for bit.

The protocol a training must offer is described in
``prnglint.verifier.protocol``; the command line is ``prnglint.verifier.cli``.
This package is only imported by ``prnglint verify``, never by the linter, and
this file imports nothing so that importing the package stays cheap.
"""
