"""The notifications service's rules: which mails exist, who wants which, when a reminder or a
digest is due, what a mail says, and how an unsubscribe link is signed. Pure: no I/O."""
