"""Responses straight from the profiles' mailboxes: IMAP fetch, .eml evidence, proposed matches."""
