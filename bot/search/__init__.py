"""The hub's live knowledge index and its searches: loaded in the background, searched in
worker threads, the most urgent search first."""
