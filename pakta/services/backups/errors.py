"""The one error a backup or a restore raises; its message is shown to the operator."""


class BackupError(RuntimeError):
    """The backup cannot be made or restored; the message says why (translated lazily)."""
