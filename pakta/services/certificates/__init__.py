"""Certificates: the signed token in the QR (``tokens``), the sealed PDF (``issuing``), issuing
in the background (``jobs``) and in bulk (``bulk``), revocation (``revocations``) and the
checks anyone can make of a token or a PDF (``verification``, ``pdf_check``)."""
