"""Results: stored analysis snapshots of a round, the results pages, charts and the trend."""
