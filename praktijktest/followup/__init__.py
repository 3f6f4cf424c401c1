"""Follow-up of flagged targets: cases, their steps, and the confidential dossier per target."""
